//! The raw bytes of a mail, before any parsing: where the header block ends.

use memchr::memmem;

/// The offset just after the blank line that ends the header block (the
/// first `CRLF CRLF` or `LF LF`), when there is one.
pub fn header_end(raw: &[u8]) -> Option<usize> {
    let crlf = memmem::find(raw, b"\r\n\r\n").map(|i| i + 4);
    let lf = memmem::find(raw, b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The bytes after the header block: the same for two deliveries of one mail
/// that differ only in trace headers. All of it when there is no header block.
pub fn body_of(raw: &[u8]) -> &[u8] {
    header_end(raw).map_or(raw, |end| &raw[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_blank_line_ends_the_header_block() {
        assert_eq!(body_of(b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore"), b"body\r\n\r\nmore");
        assert_eq!(body_of(b"A: 1\n\nbody"), b"body");
        assert_eq!(body_of(b"A: 1\n\nbody\r\n\r\nx"), b"body\r\n\r\nx");
        assert_eq!(body_of(b"no header block"), b"no header block");
        assert_eq!(header_end(b"A: 1\r\n\r\n"), Some(8));
    }
}
