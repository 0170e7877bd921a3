"""kohya LoRA/LoCon module names and shapes, from sd-scripts' own network code on its own model classes.

    python3 tools/make_lora_keysets.py /path/to/sd-scripts

Builds sd-scripts' `networks/lora.py:create_network` on full-size SD 1.5, SD 2.x and SDXL base models (sd-scripts'
`library/original_unet.py` / `sdxl_original_unet.py` UNets, transformers' CLIP text models with the configs
sd-scripts uses) on the meta device, with and without `conv_dim`, and writes
`Tests/Fixtures/goldens/lora_keysets/<case>.json`: `{"modules": {kohya_name: {"down": shape, "up": shape,
"alpha": alpha}}, ...}` with sorted names. Made with sd-scripts 48d368fa; nothing of sd-scripts is copied here.

sd-scripts pins transformers 4.x, whose CLIP text models keep their layers under `text_model.`; transformers 5
(installed here) dropped that level from CLIPTextModel (not from CLIPTextModelWithProjection), so each CLIPTextModel
is wrapped in a module holding it as `text_model`, which gives the module paths (and so the `lora_te_text_model_…`
names) of sd-scripts' own environment.

sd-scripts' imports want torchvision, which is not installed here (and not needed to build a network): a stub
module stands in for it once diffusers and transformers are imported.
"""
import importlib.machinery
import json
import os
import sys
import types

import torch
from diffusers import AutoencoderKL, EulerAncestralDiscreteScheduler  # noqa: F401  (before the torchvision stub)
from diffusers import StableDiffusionPipeline  # noqa: F401
import diffusers.optimization  # noqa: F401
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "goldens", "lora_keysets")

VIT_L = dict(vocab_size=49408, max_position_embeddings=77, hidden_size=768, intermediate_size=3072,
             num_hidden_layers=12, num_attention_heads=12, hidden_act="quick_gelu", projection_dim=768)
# sd-scripts' SD 2 text encoder (model_util.convert_ldm_clip_checkpoint_v2): ViT-H without its last layer.
VIT_H = dict(vocab_size=49408, max_position_embeddings=77, hidden_size=1024, intermediate_size=4096,
             num_hidden_layers=23, num_attention_heads=16, hidden_act="gelu", projection_dim=512)
BIG_G = dict(vocab_size=49408, max_position_embeddings=77, hidden_size=1280, intermediate_size=5120,
             num_hidden_layers=32, num_attention_heads=20, hidden_act="gelu", projection_dim=1280)

# (case, model, network_dim, network_alpha, conv_dim, conv_alpha)
CASES = [
    ("sd15", "sd15", 8, 4.0, None, None),
    ("sd15_locon", "sd15", 8, 4.0, 4, 2.0),
    ("sd2", "sd2", 16, 16.0, None, None),
    ("sd2_locon", "sd2", 16, 16.0, 8, 1.0),
    ("sdxl", "sdxl", 4, 1.0, None, None),
    ("sdxl_locon", "sdxl", 4, 1.0, 2, 1.0),
]


def import_sd_scripts(root):
    def stub(name):
        module = types.ModuleType(name)
        module.__spec__ = importlib.machinery.ModuleSpec(name, None)
        sys.modules[name] = module
        return module

    stub("torchvision").transforms = stub("torchvision.transforms")
    sys.path.insert(0, root)
    import networks.lora as lora
    from library import original_unet, sdxl_original_unet
    return lora, original_unet, sdxl_original_unet


class Transformers4Layout(torch.nn.Module):
    """The module tree of a transformers 4.x CLIP text model: the encoder under `text_model`."""

    def __init__(self, model):
        super().__init__()
        self.text_model = model


def build(model, original_unet, sdxl_original_unet):
    with torch.device("meta"):
        if model == "sd15":
            unet = original_unet.UNet2DConditionModel(64, 8, 768, False, False)
            encoders = Transformers4Layout(CLIPTextModel(CLIPTextConfig(**VIT_L)))
        elif model == "sd2":
            unet = original_unet.UNet2DConditionModel(96, [5, 10, 20, 20], 1024, True, True)
            encoders = Transformers4Layout(CLIPTextModel(CLIPTextConfig(**VIT_H)))
        else:
            unet = sdxl_original_unet.SdxlUNet2DConditionModel()
            encoders = [Transformers4Layout(CLIPTextModel(CLIPTextConfig(**VIT_L))),
                        CLIPTextModelWithProjection(CLIPTextConfig(**BIG_G))]
    return unet, encoders


def main():
    lora, original_unet, sdxl_original_unet = import_sd_scripts(sys.argv[1])
    # create_network extends this class attribute in place (`target_modules += ...`); restore it between cases.
    unet_targets = list(lora.LoRANetwork.UNET_TARGET_REPLACE_MODULE)
    os.makedirs(OUT, exist_ok=True)
    for case, model, dim, alpha, conv_dim, conv_alpha in CASES:
        lora.LoRANetwork.UNET_TARGET_REPLACE_MODULE = list(unet_targets)
        unet, encoders = build(model, original_unet, sdxl_original_unet)
        extra = {} if conv_dim is None else dict(conv_dim=str(conv_dim), conv_alpha=str(conv_alpha))
        # The adapters themselves are small: built on the CPU, so their alpha buffers hold values.
        network = lora.create_network(1.0, dim, alpha, None, encoders, unet, **extra)
        modules = {}
        for module in network.text_encoder_loras + network.unet_loras:
            modules[module.lora_name] = dict(
                down=list(module.lora_down.weight.shape), up=list(module.lora_up.weight.shape),
                alpha=float(module.alpha.item()))
        counts = dict(text_encoder=len(network.text_encoder_loras), unet=len(network.unet_loras))
        document = dict(model=model, network_dim=dim, network_alpha=alpha, conv_dim=conv_dim, conv_alpha=conv_alpha,
                        counts=counts, modules=dict(sorted(modules.items())))
        with open(os.path.join(OUT, f"{case}.json"), "w") as file:
            json.dump(document, file, separators=(",", ":"), sort_keys=False)
            file.write("\n")
        print(case, counts)


if __name__ == "__main__":
    main()
