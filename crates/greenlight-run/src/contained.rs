//! Files a document points to (`k6 run FILE`) are read only from inside
//! the checklist's folder, only if they are regular files, and never past
//! a size limit: a document cannot make greenlight read `/etc/passwd`,
//! `../secrets.env`, a symlink out of its folder, or `/dev/zero` until it
//! runs out of memory.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file the document names was not read. Each message names the
/// path and the rule.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContainError {
    #[error("{file}: an absolute path is not read; name a file inside the checklist's folder")]
    Absolute { file: String },
    #[error(
        "{file}: resolves to {resolved}, outside the checklist's folder {folder}; only files inside it are read"
    )]
    Outside {
        file: String,
        resolved: PathBuf,
        folder: PathBuf,
    },
    #[error("{file}: not a regular file ({kind}); only regular files are read")]
    NotRegular { file: String, kind: &'static str },
    #[error("{file}: larger than the limit of {max} bytes")]
    TooLarge { file: String, max: u64 },
    #[error("{file}: not UTF-8 text")]
    NotText { file: String },
    #[error("{file}: cannot read: {message}")]
    Io { file: String, message: String },
}

/// What kind of file this is, for a message.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// Reads `file` (as the document wrote it) relative to `folder` (the
/// checklist's folder; empty means the current one).
///
/// Refused, before anything is opened: an absolute path; a path that,
/// with `..` and symlinks resolved, lies outside `folder`; anything but
/// a regular file. The size limit is enforced while reading, so a file
/// that grows after it was looked at is still cut at `max_bytes`.
pub fn read_contained(folder: &Path, file: &str, max_bytes: u64) -> Result<String, ContainError> {
    let io = |e: std::io::Error| ContainError::Io {
        file: file.to_string(),
        message: e.to_string(),
    };
    if Path::new(file).is_absolute() {
        return Err(ContainError::Absolute {
            file: file.to_string(),
        });
    }
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let folder = folder.canonicalize().map_err(io)?;
    let resolved = folder.join(file).canonicalize().map_err(io)?;
    if !resolved.starts_with(&folder) {
        return Err(ContainError::Outside {
            file: file.to_string(),
            resolved,
            folder,
        });
    }
    let not_regular = |meta: &std::fs::Metadata| {
        (!meta.is_file()).then(|| ContainError::NotRegular {
            file: file.to_string(),
            kind: kind(meta),
        })
    };
    // `resolved` has no symlink left: this is the file itself.
    let meta = std::fs::metadata(&resolved).map_err(io)?;
    if let Some(e) = not_regular(&meta) {
        return Err(e);
    }
    let f = std::fs::File::open(&resolved).map_err(io)?;
    // What was opened, in case the path changed since it was looked at.
    if let Some(e) = not_regular(&f.metadata().map_err(io)?) {
        return Err(e);
    }
    let mut bytes = Vec::new();
    f.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ContainError::TooLarge {
            file: file.to_string(),
            max: max_bytes,
        });
    }
    String::from_utf8(bytes).map_err(|_| ContainError::NotText {
        file: file.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "greenlight-contained-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("docs/scripts")).unwrap();
        std::fs::write(
            d.join("docs/scripts/ok.js"),
            "export default function () {}\n",
        )
        .unwrap();
        std::fs::write(d.join("outside.js"), "secret\n").unwrap();
        d
    }

    #[test]
    fn reads_a_file_inside_the_folder() {
        let d = scratch("ok");
        let docs = d.join("docs");
        assert!(read_contained(&docs, "scripts/ok.js", 100).is_ok());
        assert!(read_contained(&docs, "./scripts/../scripts/ok.js", 100).is_ok());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn refuses_dot_dot_absolute_and_symlink_escapes() {
        let d = scratch("escape");
        let docs = d.join("docs");
        let e = read_contained(&docs, "../outside.js", 100).unwrap_err();
        assert!(matches!(e, ContainError::Outside { .. }), "{e}");
        assert!(e.to_string().contains("outside the checklist's folder"));
        assert!(e.to_string().starts_with("../outside.js: "));

        let e = read_contained(&docs, "/etc/passwd", 100).unwrap_err();
        assert_eq!(
            e,
            ContainError::Absolute {
                file: "/etc/passwd".into()
            }
        );

        std::os::unix::fs::symlink(d.join("outside.js"), docs.join("link.js")).unwrap();
        let e = read_contained(&docs, "link.js", 100).unwrap_err();
        assert!(matches!(e, ContainError::Outside { .. }), "{e}");
        std::os::unix::fs::symlink("/etc", docs.join("etc")).unwrap();
        let e = read_contained(&docs, "etc/passwd", 100).unwrap_err();
        assert!(matches!(e, ContainError::Outside { .. }), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn refuses_devices_fifos_and_directories_without_opening_them() {
        let d = scratch("special");
        let docs = d.join("docs");
        std::os::unix::fs::symlink("/dev/zero", docs.join("zero.js")).unwrap();
        // /dev/zero is outside the folder; a link to it inside is too.
        assert!(matches!(
            read_contained(&docs, "zero.js", 100),
            Err(ContainError::Outside { .. })
        ));
        // With the folder at /dev, the device is inside but not a file.
        let e = read_contained(Path::new("/dev"), "zero", 100).unwrap_err();
        assert_eq!(
            e,
            ContainError::NotRegular {
                file: "zero".into(),
                kind: "a character device"
            }
        );
        let fifo = docs.join("pipe.js");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Opening a FIFO with no writer would block: it must be refused first.
        let e = read_contained(&docs, "pipe.js", 100).unwrap_err();
        assert_eq!(
            e,
            ContainError::NotRegular {
                file: "pipe.js".into(),
                kind: "a FIFO"
            }
        );
        let e = read_contained(&docs, "scripts", 100).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn size_limit_is_enforced_while_reading() {
        let d = scratch("size");
        let docs = d.join("docs");
        std::fs::write(docs.join("big.js"), vec![b'a'; 101]).unwrap();
        std::fs::write(docs.join("edge.js"), vec![b'a'; 100]).unwrap();
        assert_eq!(
            read_contained(&docs, "big.js", 100).unwrap_err(),
            ContainError::TooLarge {
                file: "big.js".into(),
                max: 100
            }
        );
        assert_eq!(read_contained(&docs, "edge.js", 100).unwrap().len(), 100);
        // /proc files say they are empty and are not: the bound holds anyway.
        if Path::new("/proc/self/status").exists() {
            assert!(matches!(
                read_contained(Path::new("/proc/self"), "status", 10),
                Err(ContainError::TooLarge { .. })
            ));
        }
        std::fs::write(docs.join("bin.js"), [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_contained(&docs, "bin.js", 100),
            Err(ContainError::NotText { .. })
        ));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn missing_file_names_the_path() {
        let d = scratch("missing");
        let e = read_contained(&d.join("docs"), "nope.js", 100).unwrap_err();
        assert!(e.to_string().starts_with("nope.js: cannot read:"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
