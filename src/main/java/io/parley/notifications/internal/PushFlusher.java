package io.parley.notifications.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.parley.groups.Conversations;
import io.parley.history.ReadPointers;
import io.parley.notifications.NotificationSettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.modulith.events.IncompleteEventPublications;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Takes due notifications off the queue and writes them to the outbox, in one PostgreSQL
 * transaction: the queue row is cleared and the {@link PushDue} publication is stored together, so a
 * crash either leaves the row queued (taken again) or leaves an incomplete publication (re-sent on
 * restart, or by the periodic resubmission below). Just before that, the decision is checked again:
 * the user may have been removed (fault B13), muted the conversation, read up to the last message on
 * another device (fault B24: reading cancels the pending push) or come online. Every node runs this;
 * {@code FOR UPDATE SKIP LOCKED} gives each due row to one of them.
 */
@Component
class PushFlusher implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(PushFlusher.class);

	private final PushStore store;
	private final PushDecisions decisions;
	private final Conversations conversations;
	private final ReadPointers pointers;
	private final ApplicationEventPublisher events;
	private final TransactionTemplate tx;
	private final IncompleteEventPublications incomplete;
	private final NotificationSettings settings;
	private final Clock clock;
	private volatile ScheduledExecutorService scheduler;

	PushFlusher(PushStore store, PushDecisions decisions, Conversations conversations, ReadPointers pointers,
			ApplicationEventPublisher events, TransactionTemplate tx, IncompleteEventPublications incomplete,
			NotificationSettings settings, Clock clock) {
		this.store = store;
		this.decisions = decisions;
		this.conversations = conversations;
		this.pointers = pointers;
		this.events = events;
		this.tx = tx;
		this.incomplete = incomplete;
		this.settings = settings;
		this.clock = clock;
	}

	/** Returns how many notifications went to the outbox. */
	int flushDue() {
		Integer sent = tx.execute(status -> {
			int published = 0;
			for (PushStore.Pending p : store.takeDue(clock.instant(), 100)) {
				if (!conversations.isMemberNow(p.conversationId(), p.userId()) || store.muted(p.userId(), p.conversationId())
						|| pointers.pointerNow(p.conversationId(), p.userId()).readSeq() >= p.lastSeq()
						|| decisions.activeNow(p.userId())) {
					continue;
				}
				events.publishEvent(new PushDue(p.userId(), p.conversationId(), p.firstSeq(), p.lastSeq(), p.count()));
				published++;
			}
			return published;
		});
		return sent == null ? 0 : sent;
	}

	/** Outbox entries that failed (the gateway was down beyond its retries) are tried again after a while. */
	void resubmitStale() {
		Instant before = clock.instant().minus(settings.resubmitAfter());
		incomplete.resubmitIncompletePublications(p -> p.getEvent() instanceof PushDue && p.getPublicationDate().isBefore(before));
	}

	@Override
	public void start() {
		scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread t = new Thread(r, "parley-push-flusher");
			t.setDaemon(true);
			return t;
		});
		long interval = settings.flushInterval().toMillis();
		scheduler.scheduleWithFixedDelay(() -> run("flush", () -> flushDue()), interval, interval, TimeUnit.MILLISECONDS);
		long resubmit = Math.max(1000, settings.resubmitAfter().toMillis() / 2);
		scheduler.scheduleWithFixedDelay(() -> run("resubmit", this::resubmitStale), resubmit, resubmit, TimeUnit.MILLISECONDS);
	}

	private void run(String what, Runnable work) {
		try {
			work.run();
		}
		catch (RuntimeException e) {
			log.warn("Push {} failed; next round tries again", what, e);
		}
	}

	@Override
	public void stop() {
		ScheduledExecutorService s = scheduler;
		if (s != null) {
			s.shutdownNow();
		}
		scheduler = null;
	}

	@Override
	public boolean isRunning() {
		return scheduler != null;
	}
}
