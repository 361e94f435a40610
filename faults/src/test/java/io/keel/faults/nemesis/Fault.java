package io.keel.faults.nemesis;

/**
 * One fault of the nemesis and its heal. {@link #inject} may take a while (a rolling restart is the whole
 * procedure); {@link #heal} undoes whatever is left and returns once the cluster can be whole again.
 */
public interface Fault {
    String name();

    void inject(Nemesis n) throws Exception;

    void heal(Nemesis n) throws Exception;
}
