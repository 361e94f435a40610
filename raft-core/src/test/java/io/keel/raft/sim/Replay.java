package io.keel.raft.sim;

/** Replays one seed and prints its report and trace: {@code Replay <seed>}. */
public final class Replay {
    public static void main(String[] args) {
        Simulation.Result result = Simulation.run(Long.parseLong(args[0]));
        System.out.println(result.report());
        System.exit(result.passed() ? 0 : 1);
    }
}
