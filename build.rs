//! Rebuild when a migration is added or changed: `db::MIGRATIONS` embeds the
//! `migrations/` folder at compile time, and cargo does not watch a folder's new files
//! on its own (diesel_migrations' documented advice).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
