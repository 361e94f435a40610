package io.keel.storage.log;

import java.nio.file.Path;

/**
 * The data directory holds Keel data, but not the data this member was told to use: another cluster's or another
 * member's, data in a format this version cannot read, or data where a new member was to be created. Starting on it
 * could form a second cluster out of the first one's members or let one member speak with another's voice
 * (fault 16, fault 19).
 */
public final class WrongDataDirectoryException extends RuntimeException {
    /** The identity the directory recorded, when it names another member or cluster; else null. */
    private final transient MemberIdentity found;

    WrongDataDirectoryException(String message) {
        this(message, null);
    }

    private WrongDataDirectoryException(String message, MemberIdentity found) {
        super(message);
        this.found = found;
    }

    /**
     * The identity the directory recorded, when it was refused for belonging to another member or cluster (the
     * launcher then tells a directory made with an older id scheme from a foreign one); else null.
     */
    public MemberIdentity found() {
        return found;
    }

    static WrongDataDirectoryException mismatch(Path dir, MemberIdentity found, MemberIdentity expected) {
        return new WrongDataDirectoryException("data directory " + dir + " belongs to " + found + ", not " + expected
                + ": check the member's --data-dir, cluster id and member id; never copy a data directory between"
                + " members", found);
    }

    static WrongDataDirectoryException alreadyInitialized(Path dir, MemberIdentity found) {
        return new WrongDataDirectoryException("data directory " + dir + " already holds Keel data of " + found
                + ": refusing to initialize it again; open it instead, or point the member at an empty directory");
    }

    static WrongDataDirectoryException unsupportedFormat(Path dir, int found, int supported) {
        return new WrongDataDirectoryException("data directory " + dir + " has data format " + found
                + ", this Keel reads format " + supported + ": run a Keel version that reads it");
    }
}
