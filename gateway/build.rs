//! Rebuilds the gateway when the web app in `frontend/dist` changes: `rust-embed` bakes those
//! files into release builds, and cargo cannot see that dependency on its own.

fn main() {
    let dist = std::path::Path::new("../frontend/dist");
    // A missing path would make cargo rerun this script on every build; an empty folder
    // (served as "not built yet") keeps builds incremental until the web app is built.
    let _ = std::fs::create_dir_all(dist);
    println!("cargo:rerun-if-changed=../frontend/dist");
    println!("cargo:rerun-if-changed=build.rs");
}
