package dev.meshoperator.webhook;

import java.util.Map;
import java.util.Optional;

/** A store in process memory: for tests and for meshctl's single-process demo mode. */
public final class InMemoryCertificateStore implements CertificateStore {

    private Stored current;
    private long version;
    private int writes;

    @Override
    public synchronized Optional<Stored> load() {
        return Optional.ofNullable(current);
    }

    @Override
    public synchronized Stored createIfAbsent(Map<String, String> data) {
        if (current == null) {
            write(data);
        }
        return current;
    }

    @Override
    public synchronized Stored replace(String expectedVersion, Map<String, String> data) {
        if (current == null || current.version().equals(expectedVersion)) {
            write(data);
        }
        return current;
    }

    /** How many times data was written; lets tests tell "kept" from "rewrote the same". */
    public synchronized int writes() {
        return writes;
    }

    @Override
    public String describe() {
        return "in-memory certificate store";
    }

    private void write(Map<String, String> data) {
        current = new Stored(data, Long.toString(++version));
        writes++;
    }
}
