/** Public exports of sip-tls. */
export * from './profile';
