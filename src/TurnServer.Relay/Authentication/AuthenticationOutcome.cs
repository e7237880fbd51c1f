namespace TurnServer.Relay.Authentication;

/// <summary>What the long-term credential check concluded (RFC 8489 section 9.2.4).</summary>
public enum AuthenticationOutcome
{
    Authenticated,

    /// <summary>No integrity at all: the first request of a client. Answer 401 with REALM and NONCE.</summary>
    Challenge,

    /// <summary>Integrity without USERNAME/USERHASH, REALM or NONCE, or inconsistent PASSWORD-ALGORITHM(S): 400.</summary>
    BadRequest,

    /// <summary>An expired nonce: 438 with a fresh one.</summary>
    StaleNonce,

    /// <summary>
    /// A nonce this server did not issue to this five-tuple: a request replayed from another address,
    /// port, transport or listener, or a forged nonce. Also 438, so a client that really moved just
    /// retries, but counted apart.
    /// </summary>
    ForeignNonce,

    /// <summary>Unknown user, wrong password, expired REST name or wrong realm: 401 with a fresh nonce.</summary>
    Unauthorized,
}
