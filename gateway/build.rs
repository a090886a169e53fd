//! Rebuild when the web app is rebuilt: rust-embed does not notice added files by itself.
fn main() {
    println!("cargo:rerun-if-changed=../frontend/dist");
}
