#!/usr/bin/env python3
"""Checks that LoRA files written by lorad load unchanged in diffusers, and records what diffusers computes with them.

    python3 tools/make_lora_compat_fixtures.py

For each `Tests/Fixtures/lora/<model>-<format>.safetensors` (written by `lorad train`, see Tests/Fixtures/README.md),
loads the tiny model `Tests/Fixtures/models/<model>` as a diffusers pipeline and calls `load_lora_weights` on the file
exactly as a user would. It fails unless diffusers reports no unexpected or missing keys and wraps exactly one peft
LoRA layer per module of the file in each component. Then, with the adapter at weight 0.8, it records the text
conditioning of a prompt and one UNet prediction for seeded latents, into
`Tests/Fixtures/goldens/lora_compat/<model>-<format>.safetensors` (NCHW; float32):

  input.latents [1, C, h, w], input.timestep [1]             the UNet inputs
  output.context [1, 77, D], output.pooled [1, P] (SDXL)     encode_prompt's outputs (clip skip 1; no CFG)
  output.time_ids [1, 6] (SDXL)                               the added time ids for 64×64 pixels
  output.unet [1, C, h, w]                                    the UNet's prediction with the LoRA
  metadata: prompt, weight, modules (JSON {component: count})

The Swift test loads the same file through `lorad sample --lora`'s code path and compares. CPU, one thread,
deterministic.
"""
import glob
import json
import logging
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_io import save_safetensors  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import diffusers  # noqa: E402
from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline  # noqa: E402
from peft.tuners.lora import LoraLayer  # noqa: E402
from safetensors import safe_open  # noqa: E402

torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)
diffusers.utils.logging.disable_progress_bar()

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO, "Tests", "Fixtures")
PROMPT = "zkz stripes, a pattern"
WEIGHT = 0.8


class WarningCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def kohya_module_counts(path):
    """Modules per component of a kohya file (lora_unet_…, lora_te_…, lora_te1_…, lora_te2_…)."""
    counts = {}
    with safe_open(path, "pt") as file:
        for key in file.keys():
            if key.endswith(".lora_down.weight"):
                prefix = key.split("_", 2)[1]
                component = {"unet": "unet", "te": "text_encoder", "te1": "text_encoder", "te2": "text_encoder_2"}[
                    prefix]
                counts[component] = counts.get(component, 0) + 1
    return counts


def peft_module_counts(path):
    """Modules per component of a diffusers/peft file (unet.…lora_A.weight, text_encoder.…, text_encoder_2.…)."""
    counts = {}
    with safe_open(path, "pt") as file:
        for key in file.keys():
            if key.endswith(".lora_A.weight"):
                component = key.split(".", 1)[0]
                counts[component] = counts.get(component, 0) + 1
    return counts


def lora_layers(module):
    return sum(1 for m in module.modules() if isinstance(m, LoraLayer))


def check(path):
    name = os.path.basename(path)[: -len(".safetensors")]
    model = name.rsplit("-", 1)[0]
    folder = os.path.join(FIXTURES, "models", model)
    is_xl = model.startswith("sdxl")
    cls = StableDiffusionXLPipeline if is_xl else StableDiffusionPipeline
    kwargs = {"variant": "fp16"} if is_xl else {}
    pipe = cls.from_pretrained(folder, torch_dtype=torch.float32, local_files_only=True, **kwargs)

    collector = WarningCollector()
    loggers = [logging.getLogger(n) for n in ("diffusers", "peft", "transformers")]
    for logger in loggers:
        logger.addHandler(collector)
    pipe.load_lora_weights(path, adapter_name="lorad")
    for logger in loggers:
        logger.removeHandler(collector)
    # peft's load_state_dict results, as diffusers logs them ("… led to unexpected keys …", "… missing keys …").
    problems = [m for m in collector.messages if "unexpected keys" in m.lower() or "missing keys" in m.lower()]
    if problems:
        sys.exit(f"{name}: diffusers reported key problems:\n" + "\n".join(problems))

    expected = kohya_module_counts(path) if name.endswith("kohya") else peft_module_counts(path)
    components = {"unet": pipe.unet, "text_encoder": pipe.text_encoder}
    if is_xl:
        components["text_encoder_2"] = pipe.text_encoder_2
    found = {key: lora_layers(module) for key, module in components.items() if lora_layers(module)}
    if found != expected:
        sys.exit(f"{name}: diffusers wrapped {found} LoRA layers, the file has {expected} modules")
    pipe.set_adapters(["lorad"], [WEIGHT])

    generator = torch.Generator().manual_seed(20261123)
    channels = pipe.unet.config.in_channels
    latents = torch.randn((1, channels, 8, 8), generator=generator)
    timestep = torch.tensor([400.0])
    tensors = {"input.latents": latents, "input.timestep": timestep}
    with torch.no_grad():
        if is_xl:
            context, _, pooled, _ = pipe.encode_prompt(PROMPT, device="cpu", do_classifier_free_guidance=False)
            time_ids = torch.tensor([[64.0, 64.0, 0.0, 0.0, 64.0, 64.0]])
            added = {"text_embeds": pooled, "time_ids": time_ids}
            tensors.update({"output.pooled": pooled, "output.time_ids": time_ids})
        else:
            context, _ = pipe.encode_prompt(PROMPT, "cpu", 1, do_classifier_free_guidance=False)
            added = None
        prediction = pipe.unet(latents, timestep, encoder_hidden_states=context, added_cond_kwargs=added).sample
    tensors.update({"output.context": context, "output.unet": prediction})
    metadata = {"prompt": PROMPT, "weight": str(WEIGHT), "modules": json.dumps(expected, sort_keys=True)}
    out = os.path.join(FIXTURES, "goldens", "lora_compat", f"{name}.safetensors")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    save_safetensors(out, {k: v.contiguous().float() for k, v in tensors.items()}, metadata)
    print(f"{name}: diffusers loaded {found} LoRA layers with no key problems; wrote {os.path.relpath(out, REPO)}")


def main():
    files = sorted(glob.glob(os.path.join(FIXTURES, "lora", "*.safetensors")))
    if not files:
        sys.exit("no LoRA files under Tests/Fixtures/lora/")
    for path in files:
        check(path)


if __name__ == "__main__":
    main()
