package io.parley.realtime.internal;

import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonSubTypes;

/** The wire name of each server frame type ({@code message}, {@code ack}, ...), as its JSON {@code type} says. */
final class FrameTypes {

	private static final Map<Class<?>, String> NAMES = Stream.of(ServerFrame.class.getAnnotation(JsonSubTypes.class).value())
		.collect(Collectors.toUnmodifiableMap(JsonSubTypes.Type::value, JsonSubTypes.Type::name));

	private FrameTypes() {
	}

	static String of(ServerFrame frame) {
		return NAMES.getOrDefault(frame.getClass(), "frame");
	}

}
