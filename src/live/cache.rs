//! API discovery kept on disk between runs, the way kubectl keeps it: under
//! `$KUBECACHEDIR` or `~/.kube/cache`, one directory per server, the server's
//! own answers (`servergroups.json`, `GROUP/VERSION/serverresources.json`),
//! fresh for six hours. A cache that cannot be read or written is no cache:
//! the answers come from the server, the audit never fails for it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long answers stay fresh: kubectl's discovery cache TTL.
pub const TTL: Duration = Duration::from_secs(6 * 3600);

/// Where driftctl's discovery cache lives inside the kube cache directory
/// (kubectl's own is `discovery/`, in a layout driftctl does not write).
const SUBDIR: &str = "driftctl-discovery";

/// The discovery cache of one API server.
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
    ttl: Duration,
}

/// The kube cache directory: `$KUBECACHEDIR`, else `~/.kube/cache`; `None`
/// without a home directory (a Pod's container may have none).
pub fn default_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KUBECACHEDIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(Path::new(&home).join(".kube").join("cache"))
}

impl DiskCache {
    /// The cache of the server at `server` under the kube cache directory
    /// `root`, keyed as kubectl keys its own: host, port and path, with
    /// every character that is not safe in a file name made `_`.
    pub fn new(root: &Path, server: &http::Uri) -> DiskCache {
        DiskCache {
            dir: root.join(SUBDIR).join(server_key(server)),
            ttl: TTL,
        }
    }

    /// The directory of this server's answers.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cached answer to `GET /apis`, if fresh.
    pub fn groups(&self) -> Option<Vec<u8>> {
        self.read(&self.dir.join("servergroups.json"))
    }

    /// The cached answer to `GET /api/v1` or `/apis/GROUP/VERSION`, if fresh.
    pub fn resources(&self, api_version: &str) -> Option<Vec<u8>> {
        self.read(&self.resources_file(api_version)?)
    }

    pub fn store_groups(&self, answer: &[u8]) {
        write_atomic(&self.dir.join("servergroups.json"), answer);
    }

    pub fn store_resources(&self, api_version: &str, answer: &[u8]) {
        if let Some(file) = self.resources_file(api_version) {
            write_atomic(&file, answer);
        }
    }

    /// Forgets every answer of this server (a kind it did not list, a LIST
    /// of a type it listed that is no longer served).
    pub fn invalidate(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// `GROUP/VERSION/serverresources.json` (`v1/` for the core group).
    /// An apiVersion comes from a manifest: one that is not a group and a
    /// version made of DNS characters is never a path.
    fn resources_file(&self, api_version: &str) -> Option<PathBuf> {
        let parts: Vec<&str> = api_version.split('/').collect();
        if parts.len() > 2 || !parts.iter().all(|p| safe_segment(p)) {
            return None;
        }
        let mut file = self.dir.clone();
        for part in parts {
            file.push(part);
        }
        Some(file.join("serverresources.json"))
    }

    fn read(&self, file: &Path) -> Option<Vec<u8>> {
        let modified = std::fs::metadata(file).ok()?.modified().ok()?;
        let age = SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default();
        if age > self.ttl {
            return None;
        }
        std::fs::read(file).ok()
    }
}

/// `a-z0-9`, `.` and `-`, not starting with a dot: a DNS label or subdomain.
fn safe_segment(part: &str) -> bool {
    !part.is_empty()
        && !part.starts_with('.')
        && part
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

/// `127.0.0.1_6443`, `rancher.example.com_443_k8s_clusters_c-1`.
fn server_key(server: &http::Uri) -> String {
    let host = server.host().unwrap_or("server");
    let port = server.port_u16().unwrap_or(match server.scheme_str() {
        Some("http") => 80,
        _ => 443,
    });
    let mut key = format!("{host}_{port}");
    let path = server.path().trim_matches('/');
    if !path.is_empty() {
        key.push('_');
        key.push_str(path);
    }
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes `bytes` to `file` through a temporary file renamed over it, so
/// that two audits at once never read half an answer. Errors are ignored:
/// an unwritable cache is only slower.
fn write_atomic(file: &Path, bytes: &[u8]) {
    let Some(dir) = file.parent() else {
        return;
    };
    if create_private_dir(dir).is_err() {
        return;
    }
    let Ok(mut temp) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    use std::io::Write;
    if temp.write_all(bytes).is_ok() {
        let _ = temp.persist(file);
    }
}

/// The directory and its parents, readable by the owner and group only
/// (kubectl makes its cache 0750).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o750);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_keyed_by_host_port_and_path() {
        let key = |url: &str| server_key(&url.parse().unwrap());
        assert_eq!(key("https://127.0.0.1:6443"), "127.0.0.1_6443");
        assert_eq!(key("https://kube.example.com"), "kube.example.com_443");
        assert_eq!(key("http://127.0.0.1:8001/"), "127.0.0.1_8001");
        assert_eq!(
            key("https://rancher.example.com/k8s/clusters/c-1"),
            "rancher.example.com_443_k8s_clusters_c-1"
        );
        assert_eq!(key("https://[::1]:6443"), "___1__6443");
    }

    #[test]
    fn answers_are_kept_per_group_version_and_expire() {
        let root = tempfile::tempdir().unwrap();
        let mut cache = DiskCache::new(root.path(), &"https://10.0.0.1:6443".parse().unwrap());
        assert_eq!(cache.groups(), None);
        cache.store_groups(b"{\"groups\":[]}");
        cache.store_resources("apps/v1", b"apps");
        cache.store_resources("v1", b"core");
        assert_eq!(cache.groups().as_deref(), Some(&b"{\"groups\":[]}"[..]));
        assert_eq!(cache.resources("apps/v1").as_deref(), Some(&b"apps"[..]));
        assert_eq!(cache.resources("v1").as_deref(), Some(&b"core"[..]));
        assert!(
            root.path()
                .join("driftctl-discovery/10.0.0.1_6443/apps/v1/serverresources.json")
                .is_file()
        );
        cache.ttl = Duration::ZERO;
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(cache.resources("apps/v1"), None);
        cache.ttl = TTL;
        cache.invalidate();
        assert_eq!(cache.resources("v1"), None);
    }

    #[test]
    fn an_api_version_is_never_a_path_outside_the_cache() {
        let root = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(root.path(), &"https://10.0.0.1".parse().unwrap());
        for bad in ["../../etc", "..", "a/b/c", "", "/v1", "Apps/v1", "a/.."] {
            assert_eq!(cache.resources_file(bad), None, "{bad}");
            cache.store_resources(bad, b"x");
        }
        assert!(!root.path().join("etc").exists());
    }
}
