package org.ebpfagent.jmc;

/** An event type in the recording lacks a field a rule needs (a recording from another agent version). */
public final class MissingAttributeException extends Exception {
    private static final long serialVersionUID = 1L;

    MissingAttributeException(String typeId, String field) {
        super("The recording's " + typeId + " events have no field " + field
                + ": it was made by a version of ebpf-agent these rules do not know.");
    }
}
