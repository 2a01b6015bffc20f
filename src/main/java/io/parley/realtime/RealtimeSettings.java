package io.parley.realtime;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the gateway ({@code parley.realtime.*}).
 *
 * @param maxFrameBytes frames larger than this get a {@code frame_too_large} error frame; the
 *     connection stays open
 * @param transportMaxFrameBytes frames larger than this are refused by the WebSocket layer itself,
 *     which closes the connection with 1009; must be at least {@code maxFrameBytes}
 * @param maxBodyCodePoints the longest message body, in Unicode code points (an emoji counts one)
 * @param outboundQueue frames queued for one connection before it is closed as too slow (4008)
 * @param maxCatchUp the most entries of one conversation a resume sends; beyond that the resume says
 *     {@code recovered: false} and the client pages the rest from history
 * @param maxCiphertextBytes the largest opaque {@code ciphertext} a message may carry, decoded (larger:
 *     {@code ciphertext_too_large})
 */
@ConfigurationProperties("parley.realtime")
public record RealtimeSettings(@DefaultValue("64KB") DataSize maxFrameBytes, @DefaultValue("1MB") DataSize transportMaxFrameBytes,
		@DefaultValue("4000") int maxBodyCodePoints, @DefaultValue("1024") int outboundQueue,
		@DefaultValue("500") int maxCatchUp, @DefaultValue("16KB") DataSize maxCiphertextBytes) {

	/** The defaults' ciphertext limit, for callers that set only the other limits. */
	public RealtimeSettings(DataSize maxFrameBytes, DataSize transportMaxFrameBytes, int maxBodyCodePoints, int outboundQueue,
			int maxCatchUp) {
		this(maxFrameBytes, transportMaxFrameBytes, maxBodyCodePoints, outboundQueue, maxCatchUp, DataSize.ofKilobytes(16));
	}

	@ConstructorBinding
	public RealtimeSettings {
		if (maxCatchUp >= outboundQueue) {
			throw new IllegalArgumentException("parley.realtime.max-catch-up must be below outbound-queue, or a resume would overflow it");
		}
		if (transportMaxFrameBytes.compareTo(maxFrameBytes) < 0) {
			throw new IllegalArgumentException("parley.realtime.transport-max-frame-bytes must be at least max-frame-bytes");
		}
	}
}
