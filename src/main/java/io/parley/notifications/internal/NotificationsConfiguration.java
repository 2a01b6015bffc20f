package io.parley.notifications.internal;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableAsync;

/**
 * Outbox listeners run on the application task executor, not on the thread that committed the
 * outbox entry: a slow push gateway never holds up taking the next due notifications.
 */
@Configuration(proxyBeanMethods = false)
@EnableAsync
class NotificationsConfiguration {
}
