DROP TABLE response_events;
