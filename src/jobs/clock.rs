//! The time the scheduler works with, injectable so tests can move it: reminders and
//! escalations depend on "now" against a deadline weeks away.

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock (production).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stays where it is set (tests). Clones share the time.
#[derive(Debug, Clone)]
pub struct SetClock(Arc<Mutex<DateTime<Utc>>>);

impl SetClock {
    pub fn new(at: DateTime<Utc>) -> SetClock {
        SetClock(Arc::new(Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().expect("clock lock") = at;
    }
}

impl Clock for SetClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}
