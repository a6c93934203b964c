//! Costs that grow with the number of respondents: Nagle's algorithm on responses, and
//! a write of the invitation row on every page view and save.

use crate::helpers::{fixtures_dir, TestApp};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(QueryableByName, Debug, PartialEq, Clone)]
struct RowVersion {
    /// The transaction that wrote the row last: unchanged means not written.
    #[diesel(sql_type = diesel::sql_types::Text)]
    xmin: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

async fn invitation_row(app: &TestApp, response: &str) -> RowVersion {
    let mut conn = app.db.conn().await;
    diesel::sql_query(
        "SELECT xmin::text AS xmin, last_used_at FROM invitations WHERE response_id = $1::uuid",
    )
    .bind::<diesel::sql_types::Text, _>(response)
    .get_result(&mut conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_links_use_is_written_at_most_once_per_five_minutes() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Busy Supplier", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let issued = invitation_row(&app, &response).await;
    assert_eq!(issued.last_used_at, None);

    // The first view records the use; four more views and two saves write nothing.
    let res = app.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let first = invitation_row(&app, &response).await;
    assert!(
        first.last_used_at.is_some(),
        "the first view records the use"
    );
    for _ in 0..4 {
        let res = app.client.get(app.url(&link)).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    for headcount in ["10", "11"] {
        let res = app
            .post_form(&link, &[("headcount", headcount)], "save")
            .await;
        assert_eq!(res.status(), 303);
    }
    assert_eq!(
        invitation_row(&app, &response).await,
        first,
        "views and saves within five minutes do not write the invitation row"
    );

    // Five minutes later, a save records the use again (one statement of its own when
    // due: a draft save has no transaction around its read and its write).
    let mut conn = app.db.conn().await;
    diesel::sql_query(
        "UPDATE invitations SET last_used_at = now() - interval '6 minutes' WHERE response_id = $1::uuid",
    )
    .bind::<diesel::sql_types::Text, _>(&response)
    .execute(&mut conn)
    .await
    .unwrap();
    let aged = invitation_row(&app, &response).await;
    let res = app.post_form(&link, &[("headcount", "12")], "save").await;
    assert_eq!(res.status(), 303);
    let saved = invitation_row(&app, &response).await;
    assert!(saved.last_used_at > aged.last_used_at);
}

/// The server's accepted sockets for `port`, as `(peer address, TCP_NODELAY)`. The
/// server runs in this process, so its sockets are among this process's descriptors.
fn accepted_sockets(port: u16) -> Vec<(std::net::SocketAddr, bool)> {
    use std::os::fd::FromRawFd;
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        if !is_socket {
            continue;
        }
        // Borrowed only to read socket options; never closed here.
        let stream = std::mem::ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(fd) });
        let (Ok(local), Ok(peer)) = (stream.local_addr(), stream.peer_addr()) else {
            continue; // not a connected TCP socket (the listener, a Unix socket…)
        };
        if local.port() == port {
            out.push((peer, stream.nodelay().unwrap_or(false)));
        }
    }
    out
}

#[tokio::test]
async fn accepted_connections_have_nagles_algorithm_off() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    // A kept-alive connection from a client that does not set TCP_NODELAY itself.
    let client = reqwest::Client::builder()
        .tcp_nodelay(false)
        .build()
        .unwrap();
    let res = client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap();
    let sockets = accepted_sockets(port);
    assert!(!sockets.is_empty(), "the kept-alive connection is found");
    for (peer, nodelay) in sockets {
        assert!(
            nodelay,
            "the connection from {peer} has Nagle's algorithm on"
        );
    }
}
