//! Pictures of real pickles: counts of boxes, shared objects and cycle
//! arrows; SVG and DOT well-formed; the HTML page opened in a real headless
//! Chromium (Debian's `chromium`; CI installs it, a local run without it
//! prints a loud SKIP) runs its script without errors and draws every box.

use std::path::PathBuf;
use std::process::Command;

use brinery_viz::{Picture, VizOptions};

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(p)
}

fn picture(data: &[u8], opts: &VizOptions<'_>) -> Picture {
    let g = brinery::Unpickler::new()
        .keep_persistent_ids()
        .load_slice(data)
        .unwrap();
    Picture::build(&g, g.root_id().unwrap(), opts)
}

#[test]
fn shared_and_recursive_values() {
    // fuzz/seeds/shared-p4.pkl: [shared, shared, (shared,), {"a": shared}]
    let p = picture(
        &std::fs::read(repo("fuzz/seeds/shared-p4.pkl")).unwrap(),
        &Default::default(),
    );
    assert_eq!(p.shared_boxes(), 1, "{}", p.to_dot());
    assert_eq!(p.cycle_edges(), 0);
    // recursive: [rec, d] with rec = [rec], d = {"self": d}
    let p = picture(
        &std::fs::read(repo("fuzz/seeds/recursive-p4.pkl")).unwrap(),
        &Default::default(),
    );
    assert_eq!(p.cycle_edges(), 2, "{}", p.to_dot());
    let svg = p.to_svg().unwrap();
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    let dot = p.to_dot();
    assert!(dot.starts_with("digraph pickle {") && dot.contains("color=\"red\", style=dashed"));
}

#[test]
fn large_values_are_summarised() {
    // 5000 small lists in a list: 1 + 49 boxes and a "… 4951 more" box.
    let mut v = b"\x80\x04]\x94(".to_vec();
    for i in 0..5000u32 {
        v.extend_from_slice(b"]\x94(J");
        v.extend_from_slice(&i.to_le_bytes());
        v.extend_from_slice(b"e");
    }
    v.extend_from_slice(b"e.");
    let opts = VizOptions {
        max_nodes: 50,
        ..Default::default()
    };
    let p = picture(&v, &opts);
    assert_eq!(p.boxes(), 51, "50 boxes and the summary box");
    assert_eq!(p.hidden(), 4951);
    assert!(p.to_dot().contains("… 4951 more"));
    p.to_svg().unwrap();
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

#[test]
fn html_opens_in_headless_chromium() {
    let data = std::fs::read(repo("examples/dogs.pkl")).unwrap();
    let mut page_sets = Vec::new();
    for (name, bytes) in [
        ("dogs", data),
        (
            "recursive",
            std::fs::read(repo("fuzz/seeds/recursive-p4.pkl")).unwrap(),
        ),
        (
            "objects",
            std::fs::read(repo("fuzz/seeds/objects-p4.pkl")).unwrap(),
        ),
    ] {
        let p = picture(&bytes, &Default::default());
        let html = p.to_html(&format!("{name}.pkl")).unwrap();
        assert!(html.contains(&format!("{} boxes", p.boxes())));
        page_sets.push((name, p.boxes(), html));
    }
    let Some(chrome) = chromium() else {
        brinery_testutil::skip(
            "opening the graph HTML in headless Chromium",
            "no chromium on PATH (apt-get install chromium)",
        );
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viz");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, boxes, html) in page_sets {
        let path = dir.join(format!("{name}.html"));
        std::fs::write(&path, html).unwrap();
        let profile = dir.join(format!("profile-{name}"));
        let out = Command::new(chrome)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=2000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--dump-dom")
            .arg(format!("file://{}", path.display()))
            .output()
            .expect("run chromium");
        let dom = String::from_utf8_lossy(&out.stdout);
        assert!(
            dom.contains("data-rendered=\"yes\""),
            "{name}: the page's script did not run to the end:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            dom.contains(&format!("data-boxes=\"{boxes}\"")),
            "{name}: chromium drew a different number of boxes than {boxes}"
        );
        println!("graph html ({name}): opened in {chrome}, {boxes} boxes drawn");
    }
}
