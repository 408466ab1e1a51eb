//! The daemon binary as a host runs it: config file, migration, health, clean SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env(k: &str, d: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| d.to_owned())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn write_config(port: u16, prefix: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bkx-chatd-test-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("chatd.toml");
    let db = env("BKX_TEST_DB_NAME", "bkx_livechat_cargo");
    // The database itself is created by the core's store tests or `make test`; create it
    // here too so this test stands alone.
    let status = Command::new("mariadb")
        .args([
            "-h",
            &env("BKX_TEST_DB_HOST", "127.0.0.1"),
            "-P",
            &env("BKX_TEST_DB_PORT", "3306"),
            "-u",
            &env("BKX_TEST_DB_USER", "root"),
            "-e",
            &format!("CREATE DATABASE IF NOT EXISTS `{db}`"),
        ])
        .env("MYSQL_PWD", env("BKX_TEST_DB_PASS", ""))
        .stdin(Stdio::null())
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "MariaDB must be reachable for the daemon tests"
    );
    std::fs::write(
        &path,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndb_host = \"{}\"\ndb_port = {}\ndb_user = \"{}\"\n\
             db_password = \"{}\"\ndb_name = \"{db}\"\ndb_prefix = \"{prefix}\"\n\
             secret = \"0123456789abcdef0123456789abcdef\"\nlog_format = \"json\"\n",
            env("BKX_TEST_DB_HOST", "127.0.0.1"),
            env("BKX_TEST_DB_PORT", "3306"),
            env("BKX_TEST_DB_USER", "root"),
            env("BKX_TEST_DB_PASS", ""),
        ),
    )
    .expect("write config");
    path
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn serves_health_and_stops_cleanly_on_sigterm() {
    let port = free_port();
    let cfg = write_config(port, "tchatd_");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bkx-chatd"))
        .arg("--config")
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bkx-chatd");
    let deadline = Instant::now() + Duration::from_secs(20);
    let body = loop {
        if let Some(r) = get(port, "/healthz") {
            break r;
        }
        assert!(
            Instant::now() < deadline,
            "bkx-chatd did not answer /healthz in 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    // The schema grows with the core's migrations; this build migrated to at least v2.
    let version: u32 = body
        .split("\"schema_version\":")
        .nth(1)
        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(version >= 2, "{body}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "bkx-chatd did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit:?}");
    let mut logs = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut logs)
        .ok();
    assert!(
        logs.contains("\"stopped\""),
        "structured shutdown log expected: {logs}"
    );
}

#[test]
fn check_config_reports_bad_configuration() {
    let out = Command::new(env!("CARGO_BIN_EXE_bkx-chatd"))
        .args(["--config", "/nonexistent/chatd.toml", "--check-config"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    let port = free_port();
    let cfg = write_config(port, "tcheck_");
    let out = Command::new(env!("CARGO_BIN_EXE_bkx-chatd"))
        .arg("--config")
        .arg(&cfg)
        .arg("--check-config")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("configuration OK"));
}
