"""Key names and shapes of the real full-size single-file checkpoints (SD1.5, SD2.1-768-v, SDXL base 1.0).

The models are built by diffusers and transformers on the meta device (no weights), named the LDM/A1111 way by the
mapping of make_fixtures.py, and checked with diffusers' own single-file converters, which must turn every key back
into the model's parameter of the same shape. Called by make_fixtures.py; writes keysets/<arch>.json.
"""
import json
import os

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from diffusers.loaders import single_file_utils as sfu
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

import make_fixtures as fixtures

VAE = dict(block_out_channels=[128, 256, 512, 512], down_block_types=["DownEncoderBlock2D"] * 4,
           up_block_types=["UpDecoderBlock2D"] * 4, layers_per_block=2, latent_channels=4, norm_num_groups=32)
UNETS = {
    "sd15": dict(block_out_channels=[320, 640, 1280, 1280], attention_head_dim=8, cross_attention_dim=768,
                 down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
                 up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3, sample_size=64),
    "sd21": dict(block_out_channels=[320, 640, 1280, 1280], attention_head_dim=[5, 10, 20, 20],
                 cross_attention_dim=1024, use_linear_projection=True, upcast_attention=True,
                 down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
                 up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3, sample_size=96),
    "sdxl": dict(block_out_channels=[320, 640, 1280], attention_head_dim=[5, 10, 20], cross_attention_dim=2048,
                 transformer_layers_per_block=[1, 2, 10], use_linear_projection=True,
                 down_block_types=["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
                 up_block_types=["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
                 addition_embed_type="text_time", addition_time_embed_dim=256,
                 projection_class_embeddings_input_dim=2816, sample_size=128),
}
VIT_L = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
             hidden_act="quick_gelu")
VIT_H = dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=23, num_attention_heads=16, hidden_act="gelu")
BIG_G = dict(hidden_size=1280, intermediate_size=5120, num_hidden_layers=32, num_attention_heads=20, hidden_act="gelu",
             projection_dim=1280)


class Components:
    """Just what make_fixtures.single_file reads from a pipeline."""
    def __init__(self, arch):
        with torch.device("meta"):
            self.unet = UNet2DConditionModel(**UNETS[arch])
            self.vae = AutoencoderKL(**VAE)
            if arch == "sd15":
                self.text_encoder = CLIPTextModel(CLIPTextConfig(**VIT_L))
            elif arch == "sd21":
                self.text_encoder = CLIPTextModel(CLIPTextConfig(**VIT_H))
            else:
                self.text_encoder = CLIPTextModel(CLIPTextConfig(**VIT_L))
                self.text_encoder_2 = CLIPTextModelWithProjection(CLIPTextConfig(**BIG_G))


def same_shapes(converted, reference, what, allow_extra=()):
    extra = {k for k in set(converted) - set(reference) if not k.startswith(allow_extra)}
    missing = set(reference) - set(converted)
    assert not extra and not missing, (what, sorted(extra)[:5], sorted(missing)[:5])
    for key, value in reference.items():
        assert tuple(converted[key].shape) == tuple(value.shape), (what, key)


def keyset(arch):
    parts = Components(arch)
    checkpoint = {**fixtures.unet_to_ldm(parts.unet.state_dict(), dict(parts.unet.config)),
                  **fixtures.vae_to_ldm(parts.vae.state_dict(), dict(parts.vae.config))}
    legacy = fixtures.legacy_text_state
    if arch == "sd15":
        checkpoint.update(fixtures.hf_clip_to_ldm(parts.text_encoder, "cond_stage_model.transformer."))
        checkpoint["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.empty(1, 77)
        same_shapes(sfu.convert_ldm_clip_checkpoint(checkpoint), legacy(parts.text_encoder), "te",
                    ("text_model.embeddings.position_ids",))
    elif arch == "sd21":
        checkpoint.update(fixtures.open_clip_to_ldm(parts.text_encoder, "cond_stage_model.model.", extra_layer_seed=0))
        converted = sfu.convert_open_clip_checkpoint(parts.text_encoder, checkpoint)
        same_shapes(converted, legacy(parts.text_encoder), "te", ("text_projection",))
    else:
        checkpoint.update(fixtures.hf_clip_to_ldm(parts.text_encoder, "conditioner.embedders.0.transformer."))
        checkpoint["conditioner.embedders.0.transformer.text_model.embeddings.position_ids"] = torch.empty(1, 77)
        checkpoint.update(fixtures.open_clip_to_ldm(parts.text_encoder_2, "conditioner.embedders.1.model."))
        same_shapes(sfu.convert_ldm_clip_checkpoint(checkpoint, remove_prefix="conditioner.embedders.0.transformer."),
                    legacy(parts.text_encoder), "te1", ("text_model.embeddings.position_ids",))
        same_shapes(sfu.convert_open_clip_checkpoint(parts.text_encoder_2, checkpoint,
                                                     prefix="conditioner.embedders.1.model."),
                    legacy(parts.text_encoder_2), "te2")
    same_shapes(sfu.convert_ldm_unet_checkpoint(checkpoint, dict(parts.unet.config)), parts.unet.state_dict(), "unet")
    same_shapes(sfu.convert_ldm_vae_checkpoint(checkpoint, dict(parts.vae.config)), parts.vae.state_dict(), "vae")
    if arch != "sdxl":
        for key, shape in fixtures.JUNK.items():
            checkpoint[key] = torch.empty(shape)
    return {key: list(value.shape) for key, value in sorted(checkpoint.items())}


def main(out):
    os.makedirs(os.path.join(out, "keysets"), exist_ok=True)
    for arch in ("sd15", "sd21", "sdxl"):
        with open(os.path.join(out, "keysets", f"{arch}.json"), "w") as f:
            json.dump(keyset(arch), f, separators=(",", ":"))
