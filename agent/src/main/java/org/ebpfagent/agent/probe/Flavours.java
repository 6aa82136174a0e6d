package org.ebpfagent.agent.probe;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.util.Log;

/**
 * The two program flavours every probe ships, and how the agent picks one: tp_btf (programs named
 * {@code *_btf}) where the kernel takes it, raw_tp ({@code *_raw}) where it refuses tp_btf at load.
 */
public final class Flavours {
    private static final Log LOG = Log.named("ebpf-agent");

    private Flavours() {}

    /** Loads and attaches a probe with the programs of one flavour. */
    public interface Opener<T> {
        /**
         * @param suffix     the flavour's program-name suffix, {@code btf} or {@code raw}
         * @param attachType {@code tp_btf} or {@code raw_tp}
         */
        T open(String suffix, String attachType) throws BpfException;
    }

    /** Loads and attaches a probe with, or without, an optional program of its own. */
    public interface WithExtra<T> {
        T open(boolean extra) throws BpfException;
    }

    /**
     * Opens a probe with its optional program; if the kernel refuses the load with it, opens the
     * probe again without it and says so at INFO: {@code refused} is the line, {@code {}} in it
     * the refusal. A refusal of the probe itself fails the second open too, and that is thrown.
     */
    public static <T> T withExtra(String refused, WithExtra<T> opener) throws BpfException {
        try {
            return opener.open(true);
        } catch (BpfException withExtra) {
            if (!withExtra.step().equals("load")) {
                throw withExtra;
            }
            T probe = opener.open(false);
            LOG.info(refused, withExtra.getMessage());
            return probe;
        }
    }

    /**
     * Opens the probe as the {@code attach} option says: {@code tp_btf}, {@code raw_tp}, or
     * {@code auto} (tp_btf, and raw_tp if the kernel refuses tp_btf at load; if both fail, the
     * tp_btf failure is thrown with the raw_tp one suppressed).
     */
    public static <T> T open(String attach, Opener<T> opener) throws BpfException {
        switch (attach) {
            case "tp_btf" -> {
                return opener.open("btf", "tp_btf");
            }
            case "raw_tp" -> {
                return opener.open("raw", "raw_tp");
            }
            default -> {
                // auto, below
            }
        }
        try {
            return opener.open("btf", "tp_btf");
        } catch (BpfException btf) {
            if (!btf.step().equals("load")) {
                throw btf;
            }
            LOG.debug("tp_btf programs refused ({}), trying raw_tp", btf.getMessage());
            try {
                return opener.open("raw", "raw_tp");
            } catch (BpfException raw) {
                btf.addSuppressed(raw);
                throw btf;
            }
        }
    }
}
