/** Public exports of sip-tls. */
export * from './profile';
export { TlsModule, TlsConnection, TlsTransportError } from './tls-module';
export type { TlsModuleOptions, ConnectOptions, CloseInfo, ConnectionOutEvent, EventCallback, ConnectionListEntry, ModuleInfo } from './tls-module';
export { Generation } from './generation';
export { LogLevel, StderrLogger } from './tls-log';
export type { TlsLogger } from './tls-log';
