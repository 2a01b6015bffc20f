package io.parley.shared;

import java.util.concurrent.Callable;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs blocking work (JDBC, password hashing) on a bounded pool so that it never runs on a Netty
 * event loop. Reactor's bounded elastic pool caps threads at ten per core and queues the rest.
 */
public final class Blocking {

	private static final Scheduler SCHEDULER = Schedulers.boundedElastic();

	private Blocking() {
	}

	public static <T> Mono<T> call(Callable<T> work) {
		return Mono.fromCallable(work).subscribeOn(SCHEDULER);
	}

	public static Mono<Void> run(Runnable work) {
		return Mono.<Void>fromRunnable(work).subscribeOn(SCHEDULER);
	}
}
