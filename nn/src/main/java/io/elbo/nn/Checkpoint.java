package io.elbo.nn;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.InPlace;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.rng.RandomProviderState;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.core.RandomProviderDefaultState;

/**
 * Saves and restores a training run in one safetensors file ({@link SafeTensors}): the model's
 * parameters as {@code model.<name>}, the optimiser's state as {@code optimizer.<i>.<buffer>} with
 * its step counts and hyperparameters in the metadata, and the random generator's state as the
 * bytes {@code rng.state}. A Python user reads the weights with the {@code safetensors} package or
 * a few lines of numpy.
 *
 * <p>Loading checks everything (names, dtypes, shapes, optimiser kind, generator state size)
 * before it changes anything: a bad file leaves the model, optimiser and generator as they were.
 */
public final class Checkpoint {
    private Checkpoint() {}

    /** The format a checkpoint records in its metadata ("elbo-checkpoint-1"); a file that names another is refused. */
    public static final String FORMAT = "elbo-checkpoint-1";
    private static final String MODEL = "model.", OPTIMIZER = "optimizer.", RNG = "rng.state";

    /**
     * Writes model, optimiser (may be null) and generator (may be null) state, and the caller's
     * metadata, atomically to {@code path}.
     */
    public static void save(Path path, Module model, Optimizer optimizer, RestorableUniformRandomProvider rng,
                            Map<String, String> metadata) throws CheckpointException {
        Map<String, SafeTensors.Entry> entries = new LinkedHashMap<>();
        model.namedParameters().forEach((n, p) -> entries.put(MODEL + n, SafeTensors.Entry.of(p.value())));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        for (String k : metadata.keySet()) {
            if (k.equals("format") || k.startsWith("optimizer")) throw new CheckpointException("metadata key '" + k + "' is reserved");
        }
        if (optimizer != null) {
            optimizer.stateTensors().forEach((n, t) -> entries.put(OPTIMIZER + n, SafeTensors.Entry.of(t)));
            meta.put("optimizer", optimizer.kind());
            optimizer.stateMetadata().forEach((k, v) -> meta.put(OPTIMIZER + k, v));
        }
        if (rng != null) entries.put(RNG, SafeTensors.Entry.ofBytes(stateBytes(rng)));
        meta.putAll(metadata);
        SafeTensors.write(path, entries, meta);
    }

    private static byte[] stateBytes(RestorableUniformRandomProvider rng) {
        RandomProviderState s = rng.saveState();
        return ((RandomProviderDefaultState) s).getState();
    }

    /**
     * Restores into the given objects (optimizer and rng may be null to skip them) and returns the
     * file's metadata. Files without optimiser or generator state (written by other tools) load
     * into a model alone.
     */
    public static Map<String, String> load(Path path, Module model, Optimizer optimizer, RestorableUniformRandomProvider rng)
            throws CheckpointException {
        SafeTensors.Contents c = SafeTensors.read(path);
        Map<String, SafeTensors.Entry> entries = c.entries();
        Map<String, String> meta = c.metadata();
        String format = meta.get("format");
        if (format != null && !format.equals(FORMAT)) {
            throw new CheckpointException(path + ": checkpoint format '" + format + "', this version reads '" + FORMAT + "'");
        }
        // 1. The model: every parameter, nothing else.
        Map<String, Parameter> params = model.namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            checkTensor(path, entries, MODEL + e.getKey(), e.getValue().value().dtype(), e.getValue().shape());
        }
        for (String name : entries.keySet()) {
            if (name.startsWith(MODEL) && !params.containsKey(name.substring(MODEL.length()))) {
                throw new CheckpointException(path + ": tensor '" + name + "' is not a parameter of this model");
            }
        }
        // 2. The optimiser state.
        Map<String, Tensor> optState = new LinkedHashMap<>();
        Map<String, String> optMeta = new LinkedHashMap<>();
        if (optimizer != null) {
            String kind = meta.get("optimizer");
            if (kind == null) throw new CheckpointException(path + ": holds no optimizer state");
            if (!kind.equals(optimizer.kind())) {
                throw new CheckpointException(path + ": optimizer state is for '" + kind + "', not '" + optimizer.kind() + "'");
            }
            meta.forEach((k, v) -> {
                if (k.startsWith(OPTIMIZER)) optMeta.put(k.substring(OPTIMIZER.length()), v);
            });
            Map<String, int[]> expected = optimizer.expectedState(optMeta);
            DType dtype = optimizer.parameters().get(0).value().dtype();
            for (Map.Entry<String, SafeTensors.Entry> e : entries.entrySet()) {
                if (!e.getKey().startsWith(OPTIMIZER)) continue;
                String key = e.getKey().substring(OPTIMIZER.length());
                int[] shape = expected.get(key);
                if (shape == null) throw new CheckpointException(path + ": tensor '" + e.getKey() + "' is not state of this optimizer");
                checkTensor(path, entries, e.getKey(), dtype, shape);
                optState.put(key, e.getValue().tensor());
            }
        }
        // 3. The generator's state: same size as this generator's.
        byte[] rngState = null;
        if (rng != null) {
            SafeTensors.Entry e = entries.get(RNG);
            if (e == null || e.dtype() != SafeTensors.ElementType.U8) throw new CheckpointException(path + ": holds no random generator state");
            int expectedBytes = stateBytes(rng).length;
            if (e.bytes().length != expectedBytes) {
                throw new CheckpointException(path + ": tensor 'rng.state' has " + e.bytes().length + " bytes, this generator's state has "
                        + expectedBytes);
            }
            rngState = e.bytes();
        }
        // Everything checked: now change things.
        if (optimizer != null) {
            try {
                optimizer.loadState(optState, optMeta);
            } catch (RuntimeException ex) {
                throw new CheckpointException(path + ": optimizer state: " + ex.getMessage(), ex);
            }
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Tensor src = entries.get(MODEL + e.getKey()).tensor(), dst = e.getValue().value();
            InPlace.copy(src, dst);
        }
        if (rngState != null) rng.restoreState(new RandomProviderDefaultState(rngState));
        return meta;
    }

    private static void checkTensor(Path path, Map<String, SafeTensors.Entry> entries, String name, DType dtype, int[] shape)
            throws CheckpointException {
        SafeTensors.Entry e = entries.get(name);
        if (e == null) throw new CheckpointException(path + ": missing tensor '" + name + "' (" + dtype + " " + Arrays.toString(shape) + ")");
        SafeTensors.ElementType want = dtype == DType.FLOAT32 ? SafeTensors.ElementType.F32 : SafeTensors.ElementType.F64;
        if (e.dtype() != want) throw new CheckpointException(path + ": tensor '" + name + "' is " + e.dtype() + ", expected " + want);
        if (!Arrays.equals(e.shape(), shape)) {
            throw new CheckpointException(path + ": tensor '" + name + "' has shape " + Arrays.toString(e.shape()) + ", expected "
                    + Arrays.toString(shape));
        }
        if (e.tensor().allFinite()) return;
        double[] v = e.tensor().toDoubleArray(); // only to name the element
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new CheckpointException(path + ": tensor '" + name + "' holds " + v[i] + " at element " + i
                        + "; only finite values load (the checkpoint is damaged or its run diverged)");
            }
        }
    }
}
