/**
 * The gateway: WebSocket sessions, JSON frame codec, and fan-out of stored messages to the
 * connections on this node.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Realtime")
package io.parley.realtime;
