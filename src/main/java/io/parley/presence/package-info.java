/**
 * Who is online: one Redis key per user with a TTL-bearing entry per connected device, so a node
 * that dies silently lets its users go offline by expiry alone.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Presence")
package io.parley.presence;
