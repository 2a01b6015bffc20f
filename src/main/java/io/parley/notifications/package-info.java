/**
 * Offline push: decides once per stored message whether a recipient without a live session should
 * be notified, collapses bursts, and hands notifications to push gateways through a transactional
 * outbox (Spring Modulith's JDBC event publication registry); device push tokens and mutes.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Notifications")
package io.parley.notifications;
