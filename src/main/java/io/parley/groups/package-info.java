/**
 * Conversations (groups and 1:1) and who belongs to them with which role: the REST control plane.
 * Other modules ask {@link io.parley.groups.Conversations} whether someone is a member.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Groups")
package io.parley.groups;
