"""Loads a LoRA file into a diffusers SD 1.x/2.x pipeline and checks what diffusers applies.

    python3 tools/check_lora_in_diffusers.py MODEL_FOLDER LORA_FILE

`pipe.load_lora_weights` then `fuse_lora`; for every module of the file the change of the fused weight must equal
up · down · alpha / rank, with alpha from the file (kohya `.alpha`; peft `lora_adapter_metadata`, alpha = rank
without it). Prints the worst difference and each module that differs; exits 1 if any does. kohya files are
matched by their diffusers-style names (SD 1.x/2.x). Used to check that files lorad writes load as intended.
"""
import json
import os
import sys

import safetensors
import safetensors.torch
from diffusers import StableDiffusionPipeline


def weights(pipe):
    """Every `.weight` as `<component>.<path>`, with peft's `base_layer` and transformers 5's missing
    `text_model.` undone, so names match either file format."""
    found = {}
    for component, model in (("unet", pipe.unet), ("text_encoder", pipe.text_encoder)):
        for key, value in model.state_dict().items():
            if key.endswith(".weight") and "lora_" not in key:
                path = key[: -len(".weight")].replace(".base_layer", "")
                if component == "text_encoder" and not path.startswith("text_model."):
                    path = "text_model." + path
                found[f"{component}.{path}"] = value.detach().clone()
    return found


def modules(path):
    """`{component.path: (down, up, alpha)}` of a kohya or peft file."""
    tensors = safetensors.torch.load_file(path)
    with safetensors.safe_open(path, "pt") as file:
        metadata = file.metadata() or {}
    config = json.loads(metadata.get("lora_adapter_metadata", "{}"))
    found = {}
    for key in tensors:
        if key.endswith(".lora_down.weight"):
            stem = key[: -len(".lora_down.weight")]
            prefix, rest = stem.split("_", 2)[1], stem.split("_", 2)[2]
            component = "unet" if prefix == "unet" else "text_encoder"
            alpha = tensors[stem + ".alpha"].item() if stem + ".alpha" in tensors else None
            found[(component, rest)] = (tensors[key], tensors[stem + ".lora_up.weight"], alpha)
        elif key.endswith(".lora_A.weight"):
            stem = key[: -len(".lora_A.weight")]
            component, module = stem.split(".", 1)
            name = module.replace("text_model.", "") if component != "unet" else module
            alpha = config.get(f"{component}.alpha_pattern", {}).get(name, config.get(f"{component}.lora_alpha"))
            found[(component, module)] = (tensors[key], tensors[stem + ".lora_B.weight"], alpha)
    return found


def main():
    model, lora = sys.argv[1], sys.argv[2]
    pipe = StableDiffusionPipeline.from_pretrained(model)
    before = weights(pipe)
    # kohya names: the diffusers path with every `.` as `_`.
    by_kohya = {(name.split(".", 1)[0], name.split(".", 1)[1].replace(".", "_")): name for name in before}
    pipe.load_lora_weights(os.path.dirname(os.path.abspath(lora)), weight_name=os.path.basename(lora))
    pipe.fuse_lora()
    after = weights(pipe)
    worst, bad = 0.0, 0
    for (component, module), (down, up, alpha) in sorted(modules(lora).items()):
        name = f"{component}.{module}" if f"{component}.{module}" in before else by_kohya[(component, module)]
        rank = down.shape[0]
        scale = (alpha if alpha is not None else rank) / rank
        delta = (up.float().flatten(1) @ down.float().flatten(1)).reshape(up.shape[0], *down.shape[1:]) * scale
        change = after[name] - before[name]
        error = (change - delta.reshape(change.shape)).abs().max().item()
        worst = max(worst, error)
        if error > 1e-5 * max(1.0, delta.abs().max().item()):
            bad += 1
            ratio = (change.flatten() @ delta.flatten() / (delta.flatten() @ delta.flatten())).item()
            print(f"differs: {name} (alpha {alpha}, rank {rank}): max error {error:.3g}, applied/expected {ratio:.4f}")
    print(f"{len(modules(lora))} modules, worst difference {worst:.3g}, {bad} differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
