package io.parley.realtime.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.annotation.JsonSubTypes;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * Counts server frames serialized, as {@code parley.frames.encoded{format, type}}. The codecs count
 * every encoding they make, so the counter shows what "encode once per wire format" really costs:
 * a message fanned out to N sockets adds one per format in use, not N.
 */
@Component
class EncodedFrames {

	static final String JSON = "json";
	static final String PROTOBUF = "protobuf";

	/** The JSON {@code type} of each frame class, also used as the counter's {@code type} tag. */
	private static final Map<Class<?>, String> TYPES = typeNames();

	private final MeterRegistry registry;
	private final Map<String, Counter> counters = new ConcurrentHashMap<>();

	EncodedFrames(MeterRegistry registry) {
		this.registry = registry;
	}

	void count(String format, ServerFrame frame) {
		String type = typeOf(frame);
		counters.computeIfAbsent(format + ' ' + type, key -> Counter.builder("parley.frames.encoded")
			.description("Server frames serialized, per wire format and frame type")
			.tag("format", format)
			.tag("type", type)
			.register(registry)).increment();
	}

	static String typeOf(ServerFrame frame) {
		return TYPES.getOrDefault(frame.getClass(), frame.getClass().getSimpleName());
	}

	private static Map<Class<?>, String> typeNames() {
		Map<Class<?>, String> names = new ConcurrentHashMap<>();
		for (JsonSubTypes.Type type : ServerFrame.class.getAnnotation(JsonSubTypes.class).value()) {
			names.put(type.value(), type.name());
		}
		return Map.copyOf(names);
	}
}
