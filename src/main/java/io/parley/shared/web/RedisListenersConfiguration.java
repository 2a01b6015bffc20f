package io.parley.shared.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;

/**
 * One Redis pub/sub container for the whole node: every module's hint channel (presence, typing,
 * receipts, membership, sign-outs) subscribes through it, so the node holds one subscriber
 * connection rather than one per listener. Spring destroys it after the listeners have stopped.
 */
@Configuration(proxyBeanMethods = false)
class RedisListenersConfiguration {

	@Bean
	ReactiveRedisMessageListenerContainer redisListeners(ReactiveRedisConnectionFactory connections) {
		return new ReactiveRedisMessageListenerContainer(connections);
	}
}
