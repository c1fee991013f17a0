package org.aiflow.client;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the records the clients return: an unmodifiable JSON object of the server, read through typed
 * getters. Fields the server adds later are kept in {@link #toMap()}; a field a getter needs that is missing
 * or of the wrong type raises {@link AIFlowException}.
 */
public abstract class JsonRecord {
    private final Map<String, Object> fields;

    /** Keep a copy of {@code fields}. */
    protected JsonRecord(Map<String, Object> fields) {
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** Every field as the server sent it. */
    public Map<String, Object> toMap() {
        return fields;
    }

    /** The text field {@code name}, or null. */
    protected String text(String name) {
        return field(name, String.class);
    }

    /** The whole-number field {@code name}, which must be present and not null. */
    protected long number(String name) {
        Long value = optionalNumber(name);
        if (value == null) {
            throw bad(name, "is null");
        }
        return value;
    }

    /** The whole-number field {@code name}, or null. */
    protected Long optionalNumber(String name) {
        Number value = field(name, Number.class);
        return value == null ? null : value.longValue();
    }

    /** The boolean field {@code name}; null counts as false. */
    protected boolean flag(String name) {
        return Boolean.TRUE.equals(field(name, Boolean.class));
    }

    /** The ISO 8601 time field {@code name} (UTC when it names no offset), or null. */
    protected Instant time(String name) {
        String value = text(name);
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException again) {
                throw bad(name, "is not an ISO 8601 time: " + value);
            }
        }
    }

    /** The text field {@code name} as a constant of {@code type} (named alike), or null. */
    protected <E extends Enum<E>> E constant(String name, Class<E> type) {
        String value = text(name);
        try {
            return value == null ? null : Enum.valueOf(type, value);
        } catch (IllegalArgumentException e) {
            throw bad(name, "is no " + type.getSimpleName() + ": " + value);
        }
    }

    /** The JSON object field {@code name}, or null. */
    @SuppressWarnings("unchecked")
    protected Map<String, Object> object(String name) {
        return field(name, Map.class);
    }

    /** The list-of-text field {@code name}, or null. */
    @SuppressWarnings("unchecked")
    protected List<String> texts(String name) {
        List<Object> value = field(name, List.class);
        if (value != null && !value.stream().allMatch(item -> item instanceof String)) {
            throw bad(name, "is not a list of strings");
        }
        return value == null ? null : Collections.unmodifiableList((List<String>) (List<?>) value);
    }

    private <T> T field(String name, Class<T> type) {
        if (!fields.containsKey(name)) {
            throw bad(name, "is missing");
        }
        Object value = fields.get(name);
        if (value != null && !type.isInstance(value)) {
            throw bad(name, "is not a " + type.getSimpleName() + ": " + Json.write(value));
        }
        return type.cast(value);
    }

    private AIFlowException bad(String name, String problem) {
        return new AIFlowException("the server's " + getClass().getSimpleName() + " field '" + name + "' " + problem,
                null);
    }

    /** The record as the JSON the server sent. */
    @Override
    public String toString() {
        return Json.write(fields);
    }

    @Override
    public boolean equals(Object other) {
        return other != null && other.getClass() == getClass() && ((JsonRecord) other).fields.equals(fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }
}
