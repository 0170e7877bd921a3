#!/usr/bin/env python3
"""Builds lorad's test fixtures: tiny seeded Stable Diffusion models and golden tensors from the reference code.

    python3 tools/make_fixtures.py

CPU only (one thread), no network, about 25 seconds, byte-for-byte deterministic. Needs torch, diffusers,
transformers, safetensors, numpy, ftfy and clip-anytorch (for its copy of the openai/CLIP BPE file);
Tests/Fixtures/README.md lists the versions used and what every file is.

Writes under Tests/Fixtures/ (all but tokenizer/, which tools/make_tokenizer_fixtures.py writes):
  philox.safetensors            draws of tools/philox.py (lorad's RNG) for a few (seed, stream, offset, count)
  models/<name>/                diffusers folders of three tiny models: sd15-tiny, sd2-tiny (v-prediction, sharded
                                UNet), sdxl-tiny (fp16 variant files only)
  models/<name>.safetensors     the same weights as LDM/A1111-style single files (F16), checked with diffusers
  goldens/<name>.safetensors    text encoder, UNet, VAE and whole-pipeline outputs of diffusers/transformers (NCHW)
  keysets/<arch>.json           {key: shape} of the real full-size single files (SD1.5, SD2.1-768-v, SDXL base)
"""
import gzip
import importlib.util
import json
import os
import shutil
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import philox  # noqa: E402
from clip_bytes import bytes_to_unicode  # noqa: E402
import ldm_mapping as ldm  # noqa: E402
from fixture_io import save_json, save_safetensors  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import diffusers  # noqa: E402
import transformers  # noqa: E402
from diffusers import (  # noqa: E402
    AutoencoderKL, DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler, StableDiffusionPipeline, StableDiffusionXLPipeline, UNet2DConditionModel)
from diffusers.loaders import single_file_utils as sfu  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection  # noqa: E402

diffusers.utils.logging.set_verbosity_error()
transformers.utils.logging.set_verbosity_error()
diffusers.utils.logging.disable_progress_bar()
transformers.utils.logging.disable_progress_bar()
torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "Tests", "Fixtures")
# clip-anytorch ships openai/CLIP's BPE file (importing the package itself needs pkg_resources: only locate it)
BPE_GZ = os.path.join(importlib.util.find_spec("clip").submodule_search_locations[0], "bpe_simple_vocab_16e6.txt.gz")
KEPT_MERGES = 486  # 256 bytes + 256 "</w>" bytes + 486 merges + 2 specials = 1000 tokens
BOS, EOS = "<|startoftext|>", "<|endoftext|>"


# ---------------------------------------------------------------------------------------------------------------
# Tokenizer files


def write_tokenizer(folder, pad_token):
    """vocab.json/merges.txt made like transformers' openai/clip-vit-large-patch14 files from the CLIP BPE file,
    keeping the first KEPT_MERGES merges; special_tokens_map.json and tokenizer_config.json like the published ones."""
    os.makedirs(folder, exist_ok=True)
    lines = gzip.open(BPE_GZ).read().decode("utf-8").split("\n")
    merges = lines[1:1 + KEPT_MERGES]  # line 0 is the "#version" header
    symbols = bytes_to_unicode()
    vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m.split()) for m in merges] + [BOS, EOS]
    assert len(vocab) == len(set(vocab)) == 1000
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({token: i for i, token in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")

    def token(content, typed=False):
        entry = {"content": content, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
        return {"__type": "AddedToken", **entry} if typed else entry

    save_json(os.path.join(folder, "special_tokens_map.json"),
              {"bos_token": token(BOS), "eos_token": token(EOS), "pad_token": pad_token, "unk_token": token(EOS)})
    save_json(os.path.join(folder, "tokenizer_config.json"),
              {"add_prefix_space": False, "bos_token": token(BOS, True), "do_lower_case": True,
               "eos_token": token(EOS, True), "errors": "replace", "model_max_length": 77, "pad_token": pad_token,
               "tokenizer_class": "CLIPTokenizer", "unk_token": token(EOS, True)})
    return vocab.index(EOS)


# ---------------------------------------------------------------------------------------------------------------
# Tiny models


def randomize(module, seed):
    """Seeded weights that every output depends on, rounded to float16-representable values (so the F16 and F32
    copies are equal): token and position embeddings N(0, 0.5^2), other matrices and kernels
    N(0, (1.2 / sqrt(fan_in))^2), norm scales 1 + N(0, 0.2^2), biases N(0, 0.1^2)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(module.named_parameters()):
            noise = torch.randn(p.shape, generator=generator)
            if name.endswith(("token_embedding.weight", "position_embedding.weight")):
                value = 0.5 * noise
            elif p.dim() >= 2:
                value = noise * (1.2 / p[0].numel() ** 0.5)
            elif name.endswith("weight"):
                value = 1 + 0.2 * noise
            else:
                value = 0.1 * noise
            p.copy_(value.half().float())
    return module


def text_encoder(cls, hidden, heads, act, eos, seed, projection=None):
    config = CLIPTextConfig(
        vocab_size=1000, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=3,
        num_attention_heads=heads, max_position_embeddings=77, hidden_act=act, layer_norm_eps=1e-5,
        bos_token_id=0 if eos == 2 else 998, eos_token_id=eos, pad_token_id=1,
        projection_dim=projection or 768)
    return randomize(cls(config), seed)


def vae(seed, scaling_factor, **extra):
    return randomize(AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=[8, 16, 16, 16],
        down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4, layers_per_block=1,
        norm_num_groups=4, sample_size=64, scaling_factor=scaling_factor, **extra), seed)


# The published scheduler_config.json files, key for key (no timestep_spacing in SD 1.5's and SD 2.1's).
SCHEDULERS = {
    "sd15": {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
             "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None,
             "clip_sample": False},
    "sd2": {"_class_name": "DDIMScheduler", "_diffusers_version": "0.8.0", "beta_end": 0.012,
            "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False, "num_train_timesteps": 1000,
            "prediction_type": "v_prediction", "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
            "trained_betas": None},
    "sdxl": {"_class_name": "EulerDiscreteScheduler", "_diffusers_version": "0.19.0.dev0", "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
             "interpolation_type": "linear", "num_train_timesteps": 1000, "prediction_type": "epsilon",
             "sample_max_value": 1.0, "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
             "timestep_spacing": "leading", "trained_betas": None, "use_karras_sigmas": False},
}


def build(arch):
    """The in-memory pipeline of a tiny model (float32) and the pad token of each tokenizer."""
    if arch == "sd15":
        return dict(
            text_encoder=text_encoder(CLIPTextModel, 64, 4, "quick_gelu", 2, seed=1),
            unet=randomize(UNet2DConditionModel(
                sample_size=8, in_channels=4, out_channels=4, block_out_channels=[16, 32],
                down_block_types=["CrossAttnDownBlock2D", "DownBlock2D"],
                up_block_types=["UpBlock2D", "CrossAttnUpBlock2D"], layers_per_block=2, attention_head_dim=8,
                cross_attention_dim=64, norm_num_groups=8, use_linear_projection=False), 2),
            vae=vae(3, 0.18215)), {"tokenizer": EOS}
    if arch == "sd2":
        return dict(
            text_encoder=text_encoder(CLIPTextModel, 64, 2, "gelu", 2, seed=11),
            unet=randomize(UNet2DConditionModel(
                sample_size=8, in_channels=4, out_channels=4, block_out_channels=[16, 16, 32],
                down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
                up_block_types=["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"], layers_per_block=1,
                attention_head_dim=[2, 4, 4], use_linear_projection=True, upcast_attention=True,
                cross_attention_dim=64, norm_num_groups=16), 12),
            vae=vae(13, 0.18215)), {"tokenizer": EOS}
    eos = 999
    return dict(
        text_encoder=text_encoder(CLIPTextModel, 32, 2, "quick_gelu", eos, seed=21),
        text_encoder_2=text_encoder(CLIPTextModelWithProjection, 64, 4, "gelu", eos, seed=22, projection=32),
        unet=randomize(UNet2DConditionModel(
            sample_size=8, in_channels=4, out_channels=4, block_out_channels=[16, 32],
            down_block_types=["DownBlock2D", "CrossAttnDownBlock2D"], up_block_types=["CrossAttnUpBlock2D", "UpBlock2D"],
            layers_per_block=2, transformer_layers_per_block=[1, 2], attention_head_dim=[2, 4],
            use_linear_projection=True, cross_attention_dim=96, addition_embed_type="text_time",
            addition_time_embed_dim=8, projection_class_embeddings_input_dim=80, norm_num_groups=8), 23),
        vae=vae(24, 0.13025, force_upcast=True)), {"tokenizer": EOS, "tokenizer_2": "!"}


def write_folder(folder, arch, parts, pads):
    """Saves a diffusers folder the way the published ones look (see README)."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    fp16 = arch == "sdxl"
    variant = {"variant": "fp16"} if fp16 else {}
    for name in ("unet", "vae"):
        model = parts[name].to(torch.float16) if fp16 else parts[name]
        shard = {"max_shard_size": "600KB"} if (arch == "sd2" and name == "unet") else {}
        model.save_pretrained(os.path.join(folder, name), safe_serialization=True, **variant, **shard)
        parts[name].to(torch.float32)
    for name in ("text_encoder", "text_encoder_2"):
        if name not in parts:
            continue
        path = os.path.join(folder, name)
        parts[name].save_pretrained(path, safe_serialization=True)
        for file in os.listdir(path):  # transformers 5 saves without `text_model.`: write the published names
            if file.endswith(".safetensors"):
                os.remove(os.path.join(path, file))
        state = ldm.published_text_state(parts[name])
        if fp16:
            state = {k: v.half() for k, v in state.items()}
        config = json.load(open(os.path.join(path, "config.json")))
        config["dtype"] = "float16" if fp16 else "float32"
        save_json(os.path.join(path, "config.json"), config)
        save_safetensors(os.path.join(path, "model.fp16.safetensors" if fp16 else "model.safetensors"), state,
                         {"format": "pt"})
    eos_ids = {name: write_tokenizer(os.path.join(folder, name), pad) for name, pad in pads.items()}
    assert all(i == 999 for i in eos_ids.values())
    os.makedirs(os.path.join(folder, "scheduler"))
    save_json(os.path.join(folder, "scheduler", "scheduler_config.json"), SCHEDULERS[arch])
    library = {"unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
               "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
               "scheduler": ["diffusers", SCHEDULERS[arch]["_class_name"]]}
    if arch == "sdxl":
        index = {"_class_name": "StableDiffusionXLPipeline", "_diffusers_version": diffusers.__version__,
                 "force_zeros_for_empty_prompt": True, **library,
                 "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
                 "tokenizer_2": ["transformers", "CLIPTokenizer"]}
    else:
        index = {"_class_name": "StableDiffusionPipeline", "_diffusers_version": diffusers.__version__,
                 "feature_extractor": [None, None], "requires_safety_checker": False,
                 "safety_checker": [None, None], **library}
    save_json(os.path.join(folder, "model_index.json"), {k: index[k] for k in sorted(index)})


def load_folder(folder, arch):
    cls = StableDiffusionXLPipeline if arch == "sdxl" else StableDiffusionPipeline
    kwargs = {"variant": "fp16", "add_watermarker": False} if arch == "sdxl" else {}
    pipe = cls.from_pretrained(folder, torch_dtype=torch.float32, local_files_only=True, **kwargs)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def assert_equal_states(actual, expected, what, allow_extra=()):
    extra = {k for k in set(actual) - set(expected) if not k.startswith(allow_extra)}
    missing = set(expected) - set(actual)
    assert not extra and not missing, (what, sorted(extra)[:5], sorted(missing)[:5])
    for key, value in expected.items():
        a = actual[key]
        assert tuple(a.shape) == tuple(value.shape) and torch.equal(a.float(), value.float()), (what, key)


def check_folder(pipe, parts):
    """The folder reloads (through diffusers/transformers) into exactly the in-memory weights."""
    for name, model in parts.items():
        assert_equal_states(getattr(pipe, name).state_dict(), model.state_dict(), f"folder {name}")


# ---------------------------------------------------------------------------------------------------------------
# Single files


def single_file(arch, parts):
    unet, vae_ = parts["unet"], parts["vae"]
    checkpoint = {**ldm.unet_to_ldm(unet.state_dict(), dict(unet.config)),
                  **ldm.vae_to_ldm(vae_.state_dict(), dict(vae_.config))}
    generator = torch.Generator().manual_seed(31)
    te = parts["text_encoder"]
    if arch == "sd15":
        checkpoint.update(ldm.hf_clip_to_ldm(te, "cond_stage_model.transformer."))
        checkpoint["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.arange(77)[None]
    elif arch == "sd2":
        # OpenCLIP ViT-H: a projection the diffusion model does not use, and one more last resblock that SD 2
        # skips (it conditions on the penultimate layer, which is what the diffusers folder keeps).
        width = te.config.hidden_size
        projection = (torch.randn(width, width, generator=generator) / width**0.5).half().float()
        extra = randomize(CLIPTextModel(te.config), 32)
        extra_layer = ldm.open_clip_layer(ldm.published_text_state(extra), te.config.num_hidden_layers - 1)
        checkpoint.update(ldm.open_clip_to_ldm(te, "cond_stage_model.model.", projection, torch.tensor(4.6052),
                                               extra_layer))
    else:
        checkpoint.update(ldm.hf_clip_to_ldm(te, "conditioner.embedders.0.transformer."))
        checkpoint["conditioner.embedders.0.transformer.text_model.embeddings.position_ids"] = torch.arange(77)[None]
        te2 = parts["text_encoder_2"]
        checkpoint.update(ldm.open_clip_to_ldm(te2, "conditioner.embedders.1.model.",
                                               te2.text_projection.weight.detach().T, torch.tensor(4.6052)))
    checkpoint = {k: (v.detach().half() if v.is_floating_point() else v.detach()).contiguous()
                  for k, v in checkpoint.items()}
    junk = ldm.compvis_junk(ema=True) if arch != "sdxl" else {}
    for key, value in junk.items():
        checkpoint[key] = value
    return checkpoint


def check_single_file(checkpoint, arch, parts, path, folder):
    """diffusers' converters give back exactly the folder's tensors, and so does `from_single_file`."""
    unet, vae_, te = parts["unet"], parts["vae"], parts["text_encoder"]
    assert_equal_states(sfu.convert_ldm_unet_checkpoint(checkpoint, dict(unet.config)), unet.state_dict(), "unet")
    assert_equal_states(sfu.convert_ldm_vae_checkpoint(checkpoint, dict(vae_.config)), vae_.state_dict(), "vae")
    if arch == "sd15":
        assert_equal_states(sfu.convert_ldm_clip_checkpoint(checkpoint), ldm.published_text_state(te), "te",
                            allow_extra=("text_model.embeddings.position_ids",))
    elif arch == "sd2":
        # diffusers drops SD 2's extra resblock only under its real number (23): here it comes out as an extra layer.
        layers = te.config.num_hidden_layers
        converted = sfu.convert_open_clip_checkpoint(te, checkpoint)
        assert_equal_states(converted, ldm.published_text_state(te), "te",
                            allow_extra=(f"text_model.encoder.layers.{layers}.", "text_projection.weight"))
        assert {k for k in converted if k.startswith(f"text_model.encoder.layers.{layers}.")}, "no extra resblock"
        inverse = ldm.open_clip_to_hf(checkpoint, "cond_stage_model.model.")
        assert_equal_states(inverse, ldm.published_text_state(te), "te inverse",
                            allow_extra=(f"text_model.encoder.layers.{layers}.", "text_projection.weight"))
    else:
        assert_equal_states(sfu.convert_ldm_clip_checkpoint(checkpoint, remove_prefix="conditioner.embedders.0.transformer."),
                            ldm.published_text_state(te), "te1", allow_extra=("text_model.embeddings.position_ids",))
        te2 = parts["text_encoder_2"]
        assert_equal_states(sfu.convert_open_clip_checkpoint(te2, checkpoint, prefix="conditioner.embedders.1.model."),
                            ldm.published_text_state(te2), "te2")
        assert_equal_states(ldm.open_clip_to_hf(checkpoint, "conditioner.embedders.1.model."),
                            ldm.published_text_state(te2), "te2 inverse")
    cls = StableDiffusionXLPipeline if arch == "sdxl" else StableDiffusionPipeline
    loaded = cls.from_single_file(path, config=folder, local_files_only=True, torch_dtype=torch.float32)
    for name, model in parts.items():
        assert_equal_states(getattr(loaded, name).state_dict(), model.state_dict(), f"from_single_file {name}")


# ---------------------------------------------------------------------------------------------------------------
# Goldens


PROMPTS = ["a photograph of an astronaut riding a horse", "",
           " ".join(["a very detailed painting of a red fox in a snowy forest at dawn, golden light,"] * 6)]
PROMPT, NEGATIVE = "a red circle on a blue background", "blurry, low quality"
STEPS, GUIDANCE, SEED_EULER_A = 5, 7.0, 1234


def text_goldens(goldens, prefix, tokenizer, model):
    ids = tokenizer(PROMPTS, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
    assert ids.shape == (len(PROMPTS), 77) and len(tokenizer(PROMPTS[-1]).input_ids) > 77, "no prompt over 77"
    out = model(ids, output_hidden_states=True)
    goldens[f"{prefix}.input_ids"] = ids
    for k, h in enumerate(out.hidden_states):
        goldens[f"{prefix}.hidden_states.{k}"] = h
    assert len(out.hidden_states) == model.config.num_hidden_layers + 1
    goldens[f"{prefix}.last_hidden_state"] = out.last_hidden_state
    if hasattr(out, "text_embeds"):
        goldens[f"{prefix}.pooled"] = model.text_model(ids).pooler_output
        goldens[f"{prefix}.text_embeds"] = out.text_embeds
    else:
        goldens[f"{prefix}.pooled"] = out.pooler_output


def unet_goldens(goldens, prefix, unet, height, width, seed):
    generator = torch.Generator().manual_seed(seed)
    sample = torch.randn(2, 4, height, width, generator=generator)
    timestep = torch.tensor([999.0, 421.5])
    context = torch.randn(2, 77, unet.config.cross_attention_dim, generator=generator)
    goldens.update({f"{prefix}.sample": sample, f"{prefix}.timestep": timestep,
                    f"{prefix}.encoder_hidden_states": context})
    kwargs = {}
    if unet.config.addition_embed_type == "text_time":
        width_ = unet.config.projection_class_embeddings_input_dim - 6 * unet.config.addition_time_embed_dim
        text_embeds = torch.randn(2, width_, generator=generator)
        time_ids = torch.tensor([[48.0, 64.0, 0.0, 0.0, 48.0, 64.0], [64.0, 40.0, 8.0, 16.0, 72.0, 56.0]])
        kwargs["added_cond_kwargs"] = {"text_embeds": text_embeds, "time_ids": time_ids}
        goldens[f"{prefix}.text_embeds"], goldens[f"{prefix}.time_ids"] = text_embeds, time_ids
    goldens[f"{prefix}.out"] = unet(sample, timestep, context, **kwargs).sample


def vae_goldens(goldens, prefix, vae_, height, width, latent_size, seed):
    import diffusers.models.autoencoders.vae as vae_module
    generator = torch.Generator().manual_seed(seed)
    image = torch.rand(1, 3, height, width, generator=generator) * 2 - 1
    posterior = vae_.encode(image).latent_dist
    shape = tuple(posterior.mean.shape)
    noise = torch.from_numpy(philox.normal(7, 0, 0, int(np.prod(shape))).reshape(shape))
    original = vae_module.randn_tensor
    vae_module.randn_tensor = lambda *args, **kwargs: noise.clone()
    try:
        sample = posterior.sample()
    finally:
        vae_module.randn_tensor = original
    latents = torch.randn(1, 4, *latent_size, generator=generator)
    goldens.update({f"{prefix}.image": image, f"{prefix}.mean": posterior.mean, f"{prefix}.logvar": posterior.logvar,
                    f"{prefix}.noise": noise, f"{prefix}.sample": sample, f"{prefix}.decode_in": latents,
                    f"{prefix}.decoded": vae_.decode(latents).sample})


SAMPLERS = {
    "euler": (EulerDiscreteScheduler, {}),
    "euler_a": (EulerAncestralDiscreteScheduler, {}),
    "ddim": (DDIMScheduler, {}),
    "dpmpp_2m": (DPMSolverMultistepScheduler, {}),
    "dpmpp_2m_karras": (DPMSolverMultistepScheduler, {"use_karras_sigmas": True}),
}


class TextModelAlias:
    """diffusers 0.42's `clip_skip` path calls `text_encoder.text_model.final_layer_norm`, which transformers 5's
    CLIPTextModel no longer has (it *is* the text model): alias it for the duration of one call."""
    def __init__(self, model):
        self.model = model

    def __enter__(self):
        object.__setattr__(self.model, "text_model", self.model)

    def __exit__(self, *exc):
        del self.model.__dict__["text_model"]


def clip_skip_embeddings(pipe, negative):
    """A1111's "clip skip 2" = diffusers' `clip_skip=1`: the final LayerNorm applied to the penultimate hidden
    state, for the prompt and the negative prompt. diffusers' own `encode_prompt(clip_skip=1)` skips only for the
    prompt (its negative prompt uses the last layer): checked here, and the golden uses both skipped."""
    def embed(text):
        ids = pipe.tokenizer(text, padding="max_length", max_length=77, truncation=True, return_tensors="pt")
        hidden = pipe.text_encoder(ids.input_ids, output_hidden_states=True).hidden_states[-2]
        return pipe.text_encoder.final_layer_norm(hidden)

    with TextModelAlias(pipe.text_encoder):
        positive, negative_embeds = pipe.encode_prompt(PROMPT, "cpu", 1, True, negative, clip_skip=1)
    assert torch.equal(positive, embed(PROMPT))
    plain = pipe.text_encoder(pipe.tokenizer(negative, padding="max_length", max_length=77, truncation=True,
                                             return_tensors="pt").input_ids).last_hidden_state
    assert torch.equal(negative_embeds, plain), "diffusers now applies clip_skip to the negative prompt too"
    return {"prompt_embeds": positive, "negative_prompt_embeds": embed(negative)}


def pipeline_goldens(goldens, metadata, pipe, arch):
    import diffusers.schedulers.scheduling_euler_ancestral_discrete as ancestral
    height, width = (48, 64) if arch == "sdxl" else (64, 64)
    negative = None if arch == "sdxl" else NEGATIVE
    latents = torch.randn(1, 4, height // 8, width // 8, generator=torch.Generator().manual_seed(5))
    goldens["pipe.latents_in"] = latents
    metadata.update({"pipe.prompt": PROMPT, "pipe.steps": str(STEPS), "pipe.guidance": str(GUIDANCE),
                     "pipe.seed_euler_a": str(SEED_EULER_A), "pipe.height": str(height), "pipe.width": str(width)})
    if negative is not None:
        metadata["pipe.negative_prompt"] = negative
    cases = [(name, cls, extra, {"prompt": PROMPT, "negative_prompt": negative})
             for name, (cls, extra) in SAMPLERS.items()]
    if arch == "sd15":
        cases.append(("euler_clipskip2", EulerDiscreteScheduler, {}, clip_skip_embeddings(pipe, negative)))
        metadata["pipe.euler_clipskip2.clip_skip"] = "2"
    if arch == "sdxl":
        cases.append(("euler_neg", EulerDiscreteScheduler, {}, {"prompt": PROMPT, "negative_prompt": NEGATIVE}))
        metadata["pipe.euler_neg.negative_prompt"] = NEGATIVE
    base_config = pipe.scheduler.config  # as loaded from the folder: from_config then uses each class's defaults
    original = ancestral.randn_tensor
    for name, cls, extra, text in cases:
        for output_type in ("latent", "pt"):
            pipe.scheduler = cls.from_config(base_config, **extra)
            set_timesteps = pipe.scheduler.set_timesteps

            def recording(*args, _set=set_timesteps, _scheduler=pipe.scheduler, **kwargs):
                _set(*args, **kwargs)
                goldens[f"pipe.{name}.timesteps"] = _scheduler.timesteps.float().clone()
                if hasattr(_scheduler, "sigmas"):
                    goldens[f"pipe.{name}.sigmas"] = torch.as_tensor(_scheduler.sigmas).float().clone()
            pipe.scheduler.set_timesteps = recording
            draws = philox.Generator(SEED_EULER_A, 1)
            ancestral.randn_tensor = lambda shape, **kw: torch.from_numpy(draws.normal(tuple(shape)))
            try:
                result = pipe(**text, height=height, width=width, num_inference_steps=STEPS, guidance_scale=GUIDANCE,
                              latents=latents.clone(), output_type=output_type).images
            finally:
                ancestral.randn_tensor = original
            goldens[f"pipe.{name}.{'latents_out' if output_type == 'latent' else 'image'}"] = result


# ---------------------------------------------------------------------------------------------------------------


def make_model(arch):
    name = {"sd15": "sd15-tiny", "sd2": "sd2-tiny", "sdxl": "sdxl-tiny"}[arch]
    folder = os.path.join(OUT, "models", name)
    parts, pads = build(arch)
    write_folder(folder, arch, parts, pads)
    pipe = load_folder(folder, arch)
    check_folder(pipe, parts)
    path = os.path.join(OUT, "models", f"{name}.safetensors")
    checkpoint = single_file(arch, parts)
    save_safetensors(path, checkpoint)
    check_single_file(load_file(path), arch, parts, path, folder)

    goldens, metadata = {}, {"text.prompts": json.dumps(PROMPTS)}
    with torch.no_grad():
        text_goldens(goldens, "text", pipe.tokenizer, pipe.text_encoder)
        if arch == "sdxl":
            text_goldens(goldens, "text2", pipe.tokenizer_2, pipe.text_encoder_2)
        unet_goldens(goldens, "unet", pipe.unet, 8, 8, 40)
        unet_goldens(goldens, "unet_odd", pipe.unet, 9, 7, 41)
        vae_goldens(goldens, "vae", pipe.vae, 64, 48, (6, 8), 42)
        vae_goldens(goldens, "vae_odd", pipe.vae, 40, 24, (5, 3), 43)
        pipeline_goldens(goldens, metadata, pipe, arch)
    for key, value in goldens.items():
        assert torch.isfinite(value.float()).all(), key
    os.makedirs(os.path.join(OUT, "goldens"), exist_ok=True)
    save_safetensors(os.path.join(OUT, "goldens", f"{name}.safetensors"),
                     {k: (v.float() if v.is_floating_point() else v) for k, v in goldens.items()}, metadata)


PHILOX_CASES = [  # (seed, stream, offset, count)
    (0, 0, 0, 37), (1, 0, 3, 5), (1, 1, 0, 1), (2**32 + 5, 1, 0, 16), (2**32 + 5, 0, 2**32 + 1, 7),
    (2**64 - 1, 1, 2**32 + 1, 9), (2**64 - 1, 0, 3, 2), (2, 1, 2**34 - 6, 12), (7, 0, 0, 60), (1234, 1, 256, 23)]


def make_philox():
    tensors, metadata = {}, {}
    for k, (seed, stream, offset, count) in enumerate(PHILOX_CASES):
        tensors[f"normal.{k}"] = torch.from_numpy(philox.normal(seed, stream, offset, count))
        tensors[f"uniform.{k}"] = torch.from_numpy(philox.uniform(seed, stream, offset, count))
        metadata[f"case.{k}"] = json.dumps({"seed": seed, "stream": stream, "offset": offset, "count": count})
    save_safetensors(os.path.join(OUT, "philox.safetensors"), tensors, metadata)


def main():
    os.makedirs(os.path.join(OUT, "models"), exist_ok=True)
    make_philox()
    for arch in ("sd15", "sd2", "sdxl"):
        make_model(arch)
    import make_keysets
    make_keysets.main(OUT)
    print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, transformers {transformers.__version__}")
    total = 0
    for dirpath, dirs, files in sorted(os.walk(OUT)):
        dirs.sort()
        if os.path.relpath(dirpath, OUT).split(os.sep)[0] == "tokenizer":
            continue
        for file in sorted(files):
            path = os.path.join(dirpath, file)
            total += os.path.getsize(path)
            print(f"{os.path.getsize(path):>10}  {os.path.relpath(path, OUT)}")
    print(f"{total:>10}  total (without tokenizer/)")


if __name__ == "__main__":
    main()
