package io.parley.history.internal;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import io.parley.history.HistorySettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import jakarta.annotation.PreDestroy;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * This node's id in message ids, held as a lease in Redis ({@code parley:node-id:<n>} = this
 * process) so that no two running nodes ever use the same one: a configured id is claimed too, and
 * start-up fails if a live node holds it. The lease is renewed every third of its lifetime; a node
 * that loses it (paused past the TTL while another took the id) takes a new free id before issuing
 * more.
 */
@Component
class NodeIdLease {

	private static final Logger log = LoggerFactory.getLogger(NodeIdLease.class);
	private static final int MAX_NODE_ID = 1023;
	/** Renews our lease, or takes the id back if it lapsed and nobody else took it (after a Redis stall). */
	private static final RedisScript<Long> RENEW = RedisScript.of("local holder = redis.call('get', KEYS[1]) "
			+ "if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) "
			+ "elseif not holder then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 "
			+ "else return 0 end", Long.class);
	private static final RedisScript<Long> RELEASE = RedisScript.of(
			"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", Long.class);

	private final ReactiveStringRedisTemplate redis;
	private final HistorySettings settings;
	private final String holder = UUID.randomUUID().toString();
	private volatile int nodeId;
	private final Disposable renewal;

	NodeIdLease(ReactiveStringRedisTemplate redis, HistorySettings settings) {
		this.redis = redis;
		this.settings = settings;
		this.nodeId = acquire();
		Duration every = settings.nodeIdLease().dividedBy(3);
		// A stalled Redis must not end the renewals for good: ticks that find the last one still running
		// are dropped, each call has its own timeout, and the next tick tries again.
		this.renewal = Flux.interval(every, every)
			.onBackpressureDrop()
			.concatMap(tick -> redis
				.execute(RENEW, List.of(key(nodeId)), List.of(holder, Long.toString(settings.nodeIdLease().toMillis())))
				.next()
				.timeout(every)
				.publishOn(Schedulers.boundedElastic()) // acquire() below blocks: never on a Redis thread
				.doOnNext(renewed -> {
					if (renewed == 0) {
						int lost = nodeId;
						nodeId = acquire();
						log.error("Lost the lease on node id {} (paused too long?); now using node id {}", lost, nodeId);
					}
				})
				.onErrorResume(e -> {
					log.warn("Could not renew the node-id lease: {}", e.toString());
					return reactor.core.publisher.Mono.empty();
				}), 1)
			.subscribe();
	}

	int nodeId() {
		return nodeId;
	}

	private int acquire() {
		List<Integer> candidates = settings.nodeId() != null ? List.of(settings.nodeId())
				: IntStream.rangeClosed(0, MAX_NODE_ID).boxed().toList();
		for (int candidate : candidates) {
			Boolean claimed = redis.opsForValue()
				.setIfAbsent(key(candidate), holder, settings.nodeIdLease())
				.block(Duration.ofSeconds(10));
			if (Boolean.TRUE.equals(claimed)) {
				log.info("This node issues message ids as node {}", candidate);
				return candidate;
			}
		}
		throw new IllegalStateException(settings.nodeId() != null
				? "parley.history.node-id " + settings.nodeId() + " is in use by another running node: give this node another id, "
						+ "or leave the setting empty to lease a free one"
				: "All 1024 node ids are leased by running nodes");
	}

	@PreDestroy
	void release() {
		renewal.dispose();
		redis.execute(RELEASE, List.of(key(nodeId)), List.of(holder)).next().block(Duration.ofSeconds(5));
	}

	private static String key(int id) {
		return "parley:node-id:" + id;
	}
}
