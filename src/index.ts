/** Public exports of sip-tls. */
export * from './profile';
export { TlsModule, TlsConnection, TlsTransportError } from './tls-module';
export { TRANSPORT_ERROR_CODES } from './transport-errors';
export type { TransportErrorCode } from './transport-errors';
export type { TlsModuleOptions, ConnectOptions, CloseInfo, ConnectionOutEvent, EventCallback, ConnectionListEntry, ModuleInfo } from './tls-module';
export { Generation } from './generation';
export { LogLevel, StderrLogger } from './tls-log';
export type { TlsLogger } from './tls-log';
export { TlsError, TLS_ERROR_CODES } from './errors';
export type { TlsErrorInfo, TlsErrorCode } from './errors';
export { createSecureContext, checkOpenSslVersion } from './secure-context';
export { Session, SessionStatus } from './session';
export type { SessionInit } from './session';
export { TlsSession, bufferPoolStats, setBufferFreelistMax } from './native';
export type { SecureContext, SessionFacts, CertificateFacts, NameFacts, BufferPoolStats } from './native';
