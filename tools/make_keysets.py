"""Key names and shapes of the real full-size single-file checkpoints (SD1.5, SD2.1-768-v, SDXL base 1.0).

The models are built by diffusers and transformers on the meta device (no weights) from hand-written copies of the
published configs, named the LDM/A1111 way by ldm_mapping.py, completed with the non-model tensors real files carry,
and checked with diffusers' own single-file converters, which must turn every key back into the model's parameter of
the same shape. Called by make_fixtures.py; writes keysets/<arch>.json ({key: shape}, keys sorted).
"""
import json
import os

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from diffusers.loaders import single_file_utils as sfu
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

import ldm_mapping as ldm

VAE = dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=[128, 256, 512, 512],
           down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4, layers_per_block=2,
           norm_num_groups=32, sample_size=512)
SD_BLOCKS = dict(down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
                 up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3, block_out_channels=[320, 640, 1280, 1280],
                 layers_per_block=2, in_channels=4, out_channels=4, norm_num_groups=32)
UNETS = {
    "sd15": dict(**SD_BLOCKS, attention_head_dim=8, cross_attention_dim=768, sample_size=64),
    "sd21": dict(**SD_BLOCKS, attention_head_dim=[5, 10, 20, 20], cross_attention_dim=1024, use_linear_projection=True,
                 upcast_attention=True, sample_size=96),
    "sdxl": dict(block_out_channels=[320, 640, 1280], attention_head_dim=[5, 10, 20], cross_attention_dim=2048,
                 transformer_layers_per_block=[1, 2, 10], use_linear_projection=True, layers_per_block=2,
                 down_block_types=["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
                 up_block_types=["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
                 addition_embed_type="text_time", addition_time_embed_dim=256,
                 projection_class_embeddings_input_dim=2816, sample_size=128, in_channels=4, out_channels=4,
                 norm_num_groups=32),
}
VIT_L = dict(vocab_size=49408, max_position_embeddings=77, hidden_size=768, intermediate_size=3072,
             num_hidden_layers=12, num_attention_heads=12, hidden_act="quick_gelu", projection_dim=768)
# SD 2's diffusers text encoder keeps 23 of ViT-H's 24 layers; the file has all 24.
VIT_H = dict(vocab_size=49408, max_position_embeddings=77, hidden_size=1024, intermediate_size=4096,
             num_hidden_layers=23, num_attention_heads=16, hidden_act="gelu", projection_dim=512)
BIG_G = dict(vocab_size=49408, max_position_embeddings=77, hidden_size=1280, intermediate_size=5120,
             num_hidden_layers=32, num_attention_heads=20, hidden_act="gelu", projection_dim=1280)


def same_shapes(converted, reference, what, allow_extra=()):
    extra = {k for k in set(converted) - set(reference) if not k.startswith(allow_extra)}
    missing = set(reference) - set(converted)
    assert not extra and not missing, (what, sorted(extra)[:5], sorted(missing)[:5])
    for key, value in reference.items():
        assert tuple(converted[key].shape) == tuple(value.shape), (what, key)


def keyset(arch):
    with torch.device("meta"):
        unet = UNet2DConditionModel(**UNETS[arch])
        vae = AutoencoderKL(**VAE)
        te = CLIPTextModel(CLIPTextConfig(**(VIT_H if arch == "sd21" else VIT_L)))
        te2 = CLIPTextModelWithProjection(CLIPTextConfig(**BIG_G)) if arch == "sdxl" else None
    checkpoint = {**ldm.unet_to_ldm(unet.state_dict(), dict(unet.config)),
                  **ldm.vae_to_ldm(vae.state_dict(), dict(vae.config))}
    scalar = torch.empty((), device="meta")
    if arch == "sd15":
        checkpoint.update(ldm.hf_clip_to_ldm(te, "cond_stage_model.transformer."))
        checkpoint["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.empty(1, 77)
        same_shapes(sfu.convert_ldm_clip_checkpoint(checkpoint), ldm.published_text_state(te), "te",
                    ("text_model.embeddings.position_ids",))
    elif arch == "sd21":
        width = te.config.hidden_size
        last = ldm.open_clip_layer(ldm.published_text_state(te), te.config.num_hidden_layers - 1)
        checkpoint.update(ldm.open_clip_to_ldm(te, "cond_stage_model.model.", torch.empty(width, width, device="meta"),
                                               scalar, extra_layer=last))
        assert "cond_stage_model.model.transformer.resblocks.23.ln_1.weight" in checkpoint
        same_shapes(sfu.convert_open_clip_checkpoint(te, checkpoint), ldm.published_text_state(te), "te",
                    ("text_projection.weight",))
    else:
        checkpoint.update(ldm.hf_clip_to_ldm(te, "conditioner.embedders.0.transformer."))
        checkpoint["conditioner.embedders.0.transformer.text_model.embeddings.position_ids"] = torch.empty(1, 77)
        checkpoint.update(ldm.open_clip_to_ldm(te2, "conditioner.embedders.1.model.", te2.text_projection.weight.T,
                                               scalar))
        same_shapes(sfu.convert_ldm_clip_checkpoint(checkpoint, remove_prefix="conditioner.embedders.0.transformer."),
                    ldm.published_text_state(te), "te1", ("text_model.embeddings.position_ids",))
        same_shapes(sfu.convert_open_clip_checkpoint(te2, checkpoint, prefix="conditioner.embedders.1.model."),
                    ldm.published_text_state(te2), "te2")
    same_shapes(sfu.convert_ldm_unet_checkpoint(checkpoint, dict(unet.config)), unet.state_dict(), "unet")
    same_shapes(sfu.convert_ldm_vae_checkpoint(checkpoint, dict(vae.config)), vae.state_dict(), "vae")
    if arch != "sdxl":  # SGM (SDXL) files carry no DDPM buffers and no EMA
        checkpoint.update(ldm.compvis_junk())
    return {key: list(value.shape) for key, value in sorted(checkpoint.items())}


def main(out):
    os.makedirs(os.path.join(out, "keysets"), exist_ok=True)
    for arch in ("sd15", "sd21", "sdxl"):
        with open(os.path.join(out, "keysets", f"{arch}.json"), "w") as f:
            json.dump(keyset(arch), f, separators=(",", ":"))
            f.write("\n")
