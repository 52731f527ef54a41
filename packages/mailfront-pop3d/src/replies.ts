/**
 * Every status line mailfront-pop3d sends, with pop3front-auth's and
 * pop3front-maildir's texts (reference mailfront.md §7), so clients and
 * scripts that match on them keep working.
 */

export const OK = '+OK ';
export const UNIMPLEMENTED = '-ERR Unimplemented';
export const SYNTAX_ERROR = '-ERR Syntax error';
export const LINE_TOO_LONG = '-ERR Line too long';
export const TIMED_OUT = '-ERR Connection timed out';
export const INTERNAL_ERROR = '-ERR Internal error';
export const CONFIG_ERROR = '-ERR Configuration error';

// Authentication
export const SEND_USER_FIRST = '-ERR Send USER first';
export const AUTH_FAILED = '-ERR Authentication failed';
export const TOO_MANY_USER = '-ERR Too many USER commands issued';
export const EXEC_FAILED = '-ERR Could not execute second stage';

// TLS (RFC 2595): the go-ahead is the RFC's example text.
export const BEGIN_TLS = '+OK Begin TLS negotiation';
export const TLS_REQUIRED = '-ERR Authentication requires TLS: send STLS first';

// Maildir
export const NO_CHDIR = '-ERR Could not chdir to maildir';
export const NO_ACCESS = '-ERR Could not access maildir';
export const OUT_OF_RANGE = '-ERR Message number out of range';
export const DELETED = '-ERR Message was deleted';
export const NO_OPEN = '-ERR Could not open that message';

/** CAPA lines after `+OK `; SASL comes first when mechanisms are configured. */
export const CAPABILITIES = ['PIPELINING', 'TOP', 'UIDL', 'USER'];
