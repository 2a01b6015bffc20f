/**
 * Who is who: accounts, passwords, and the signed access tokens every other endpoint and the
 * WebSocket handshake require.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Identity")
package io.parley.identity;
