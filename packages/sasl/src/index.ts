export { decodeBase64, encodeBase64 } from './base64.js';
export { parseAuthArgument, saslMechanismsFromEnv } from './config.js';
export type { MechanismName, SaslMechanism } from './config.js';
export { LOGIN_PASSWORD_CHALLENGE, LOGIN_USERNAME_CHALLENGE } from './mechanisms.js';
export {
  AUTH_FAILED,
  AUTH_SUCCEEDED,
  BAD_RESPONSE,
  END_OF_FILE,
  INITIAL_RESPONSE_NOT_ALLOWED,
  INTERNAL_ERROR,
  NO_EXCHANGE,
  RESPONSE_REQUIRED,
  UNKNOWN_MECHANISM,
} from './replies.js';
export type { SaslReply } from './replies.js';
export { authenticationEnv, SaslServer } from './server.js';
export type { SaslServerOptions, SaslStep } from './server.js';
