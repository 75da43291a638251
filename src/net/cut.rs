//! Names how an HTTP answer broke off, for feeds and receivers alike: no answer at all
//! (`empty reply`) or a body cut short (`connection closed after 120 of 400 body bytes`),
//! instead of the client library's generic "error sending request".

/// What is said of a peer that closed the connection before a complete response head.
pub const EMPTY_REPLY: &str =
    "empty reply: the connection closed before a complete answer (status line and headers)";

/// Whether `err` means the peer closed the connection early: before the response head
/// ended (hyper's incomplete message) or before the body's announced length (an
/// unexpected end of file).
pub fn closed_early(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(err);
    while let Some(e) = source {
        if e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof)
        {
            return true;
        }
        source = e.source();
    }
    false
}

/// The reason for a failed request: [`EMPTY_REPLY`] when the peer closed early, else
/// the error chain (see [`super::error_chain`]).
pub fn request_failure(err: &(dyn std::error::Error + 'static)) -> String {
    if closed_early(err) {
        return EMPTY_REPLY.to_string();
    }
    super::error_chain(err)
}

/// How a body broke off after `read` bytes of `expected` (the Content-Length, when
/// announced): `connection closed after 120 of 400 body bytes`, or for another error
/// `… after 120 of 400 body bytes: CAUSE`.
pub fn body_cut(
    err: &(dyn std::error::Error + 'static),
    read: u64,
    expected: Option<u64>,
) -> String {
    let of = match expected {
        Some(n) => format!("{read} of {n} body bytes"),
        None => format!("{read} body bytes, before the body ended"),
    };
    if closed_early(err) {
        return format!("connection closed after {of}");
    }
    format!("the body broke off after {of}: {}", super::error_chain(err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unexpected_end_of_file_is_a_close() {
        let eof = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "eof");
        assert_eq!(
            body_cut(&eof, 120, Some(400)),
            "connection closed after 120 of 400 body bytes"
        );
        assert_eq!(
            body_cut(&eof, 7, None),
            "connection closed after 7 body bytes, before the body ended"
        );
        let other = std::io::Error::other("bad gzip");
        assert_eq!(
            body_cut(&other, 1, Some(2)),
            "the body broke off after 1 of 2 body bytes: bad gzip"
        );
        assert_eq!(request_failure(&eof), EMPTY_REPLY);
        assert_eq!(request_failure(&other), "bad gzip");
    }
}
