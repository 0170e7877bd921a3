#!/usr/bin/env python3
"""Builds lorad's demo: a small Stable Diffusion model of the demo world, trained from scratch, and the demo dataset.

    python3 tools/make_demo.py [--work /tmp/lorad-demo] [--threads 2]

Writes Sources/Server/Resources/Demo/model (a diffusers StableDiffusionPipeline folder: CLIP text encoder, UNet, VAE,
DDIM scheduler, tokenizer) and Sources/Server/Resources/Demo/dataset (the demo LoRA's training images in kohya layout).
The world is tools/demo_world.py: one flat shape (circle, square, triangle) of one of 7 colours at one of 5 places
on a flat background, 64x64 pixels. The star, under the trigger word "zkstar", is kept out of the base model's
training and makes the demo dataset.

Three stages, each saved under --work so a stopped run continues where it was:
  1. the VAE (4x downsampling, 16x16x4 latents), on pixel reconstruction (L1 + MSE, the shape's pixels weighted 10x)
     with a small KL term, on pictures of all four shapes (a VAE is a general picture codec);
  2. the text encoder and UNet together, on the epsilon-prediction loss (min-SNR weighted, gamma 5) with the SD1.5
     noise schedule, 10% of captions dropped for classifier-free guidance, an exponential moving average of the UNet
     kept for release;
  3. the release folders, and a check that samples follow their prompts (printed, and written to the model folder's
     training.json).
CPU only, deterministic for a given --threads (torch's deterministic algorithms, fixed seeds): about 75 minutes on two
idle cores (17 min the VAE, 56 min the UNet at 2.4 steps/s). Needs torch, diffusers, transformers, safetensors and
numpy; no network.
"""
import argparse
import gzip
import json
import os
import shutil
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_world as world  # noqa: E402
from clip_bytes import bytes_to_unicode  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import diffusers  # noqa: E402
import transformers  # noqa: E402
from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, StableDiffusionPipeline, UNet2DConditionModel  # noqa: E402
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer  # noqa: E402

diffusers.utils.logging.set_verbosity_error()
transformers.utils.logging.set_verbosity_error()
diffusers.utils.logging.disable_progress_bar()

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(REPO, "Sources", "Server", "Resources", "Demo")
BPE_GZ = os.path.join(REPO, "Sources", "Diffusion", "Resources", "clip", "bpe_simple_vocab_16e6.txt.gz")
BOS, EOS = "<|startoftext|>", "<|endoftext|>"

TRAINING_IMAGES = 12000
VAE_STEPS, VAE_BATCH, VAE_LR = 2000, 12, 1.2e-3
UNET_STEPS, UNET_BATCH, UNET_LR, EMA_DECAY = 8000, 32, 1e-3, 0.998
# Min-SNR loss weighting (Hang et al. 2023): the low-noise steps, easy and carrying no information from the caption,
# count less, so the UNet learns sooner what the words say about position and background.
MIN_SNR_GAMMA = 5.0
CAPTION_DROPOUT = 0.1
DATASET_IMAGES = 24  # the demo LoRA's training set


# -- tokenizer -------------------------------------------------------------------------------------------------------

def bpe_merges_used(word, ranks):
    """The merges CLIP's BPE applies to one word, in order (the lowest-ranked adjacent pair first)."""
    parts = list(word[:-1]) + [word[-1] + "</w>"]
    used = []
    while len(parts) > 1:
        pairs = [(ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
        rank, i = min(pairs)
        if rank == 1 << 30:
            break
        used.append((parts[i], parts[i + 1]))
        parts[i:i + 2] = [parts[i] + parts[i + 1]]
    return used


def write_tokenizer(folder):
    """CLIP's vocabulary cut down to the bytes and the merges the demo world's words use: every caption tokenizes
    exactly as with the full CLIP tokenizer (BPE with a subset of merges that contains all the merges a word uses
    takes the same steps), in about 560 tokens instead of 49408."""
    with gzip.open(BPE_GZ, "rt", encoding="utf-8") as f:
        merges = [tuple(line.split()) for line in f.read().split("\n")[1:49152 - 256 - 2 + 1]]
    ranks = {pair: i for i, pair in enumerate(merges)}
    used = set()
    for word in world.VOCABULARY:
        used.update(bpe_merges_used(word, ranks))
    kept = [pair for pair in merges if pair in used]
    symbols = bytes_to_unicode()
    vocab = symbols + [s + "</w>" for s in symbols] + ["".join(pair) for pair in kept] + [BOS, EOS]
    assert len(vocab) == len(set(vocab))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({token: i for i, token in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(" ".join(pair) for pair in kept) + "\n")
    special = {"content": None, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
    with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
        json.dump({"bos_token": {**special, "content": BOS}, "eos_token": {**special, "content": EOS},
                   "pad_token": EOS, "unk_token": {**special, "content": EOS}}, f, indent=2)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"add_prefix_space": False, "bos_token": BOS, "eos_token": EOS, "do_lower_case": True,
                   "errors": "replace", "model_max_length": 77, "pad_token": EOS,
                   "tokenizer_class": "CLIPTokenizer", "unk_token": EOS}, f, indent=2)
    return len(vocab)


# -- models ----------------------------------------------------------------------------------------------------------

def make_vae():
    return AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, sample_size=world.SIZE, layers_per_block=1,
        down_block_types=["DownEncoderBlock2D"] * 3, up_block_types=["UpDecoderBlock2D"] * 3,
        block_out_channels=[16, 32, 64], norm_num_groups=8)


def make_text_encoder(vocab_size, eos_token_id):
    return CLIPTextModel(CLIPTextConfig(
        vocab_size=vocab_size, hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
        max_position_embeddings=77, hidden_act="quick_gelu", bos_token_id=eos_token_id - 1,
        eos_token_id=eos_token_id, pad_token_id=eos_token_id, projection_dim=128))


def make_unet():
    return UNet2DConditionModel(
        sample_size=world.SIZE // 4, in_channels=4, out_channels=4, layers_per_block=1,
        block_out_channels=[32, 64], attention_head_dim=4, norm_num_groups=16, cross_attention_dim=128,
        down_block_types=["DownBlock2D", "CrossAttnDownBlock2D"],
        up_block_types=["CrossAttnUpBlock2D", "UpBlock2D"])


def noise_schedule():
    """SD1.5's training schedule (DDPM, scaled linear betas 0.00085 to 0.012, 1000 steps)."""
    return DDPMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                         clip_sample=False)


# -- data ------------------------------------------------------------------------------------------------------------

def training_images(count, seed, shapes):
    rng = np.random.default_rng(seed)
    scenes = [world.random_scene(rng, shapes) for _ in range(count)]
    pictures = np.stack([world.draw(*scene, rng) for scene in scenes])
    return pictures, [world.caption(*scene) for scene in scenes]


def to_tensor(pictures):
    return torch.from_numpy(pictures).permute(0, 3, 1, 2).float() / 127.5 - 1


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- stages ----------------------------------------------------------------------------------------------------------

def shape_weight(pictures):
    """Per-pixel loss weights [N, 1, H, W]: the shape's pixels (those unlike the corner, always background) count 10
    times, or the flat background, most of every picture, drowns out the shape's outline and colour."""
    differs = np.any(pictures != pictures[:, :1, :1, :], axis=3)
    return torch.from_numpy(1 + 9 * differs.astype(np.float32))[:, None]


def train_vae(pictures, work):
    path = os.path.join(work, "vae")
    if os.path.exists(os.path.join(path, "config.json")):
        return AutoencoderKL.from_pretrained(path)
    torch.manual_seed(1)
    vae = make_vae()
    # Start with a near-zero posterior variance: with diffusers' default (log-variance 0) the sampled latents are
    # mostly noise, and a small VAE needs thousands of steps to learn to shrink it before shapes come through.
    with torch.no_grad():
        vae.quant_conv.bias[vae.config.latent_channels:] = -10.0
    optimizer = torch.optim.AdamW(vae.parameters(), lr=VAE_LR, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, VAE_LR, total_steps=VAE_STEPS, pct_start=0.05)
    order = np.random.default_rng(2).permutation(VAE_STEPS * VAE_BATCH) % len(pictures)
    for step in range(VAE_STEPS):
        batch = pictures[order[step * VAE_BATCH:(step + 1) * VAE_BATCH]]
        x = to_tensor(batch)
        posterior = vae.encode(x).latent_dist
        reconstruction = vae.decode(posterior.sample()).sample
        error = reconstruction - x
        l1 = error.abs().mean()
        weight = shape_weight(batch)
        loss = (weight * (error.abs() + error ** 2)).mean() + 1e-6 * posterior.kl().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 100 == 0 or step == VAE_STEPS - 1:
            log(f"vae {step}/{VAE_STEPS} l1 {l1.item():.4f}")
    with torch.no_grad():
        latents = torch.cat([vae.encode(to_tensor(pictures[i:i + 256])).latent_dist.mean
                             for i in range(0, min(2048, len(pictures)), 256)])
    vae.register_to_config(scaling_factor=float(1 / latents.std()))
    vae.save_pretrained(path)
    return vae


def cached_latents(vae, pictures, work):
    path = os.path.join(work, "latents.pt")
    if os.path.exists(path):
        return torch.load(path)
    torch.manual_seed(3)
    with torch.no_grad():
        latents = torch.cat([vae.encode(to_tensor(pictures[i:i + 256])).latent_dist.sample()
                             for i in range(0, len(pictures), 256)]) * vae.config.scaling_factor
    torch.save(latents, path)
    return latents


def token_ids(tokenizer, captions):
    return tokenizer(captions, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids


def train_unet(latents, captions, tokenizer, work):
    path = os.path.join(work, "unet_ema")
    if os.path.exists(os.path.join(path, "config.json")):
        return (UNet2DConditionModel.from_pretrained(path),
                CLIPTextModel.from_pretrained(os.path.join(work, "text_encoder")))
    torch.manual_seed(4)
    text_encoder = make_text_encoder(len(tokenizer), tokenizer.eos_token_id)
    unet = make_unet()
    ema = make_unet()
    ema.load_state_dict(unet.state_dict())
    ema.requires_grad_(False)
    parameters = list(unet.parameters()) + list(text_encoder.parameters())
    optimizer = torch.optim.AdamW(parameters, lr=UNET_LR, weight_decay=1e-2)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, UNET_LR, total_steps=UNET_STEPS, pct_start=0.03)
    noise_scheduler = noise_schedule()
    alphas = noise_scheduler.alphas_cumprod
    signal_to_noise = alphas / (1 - alphas)
    rng = np.random.default_rng(5)
    ids = token_ids(tokenizer, captions)
    empty = token_ids(tokenizer, [""])[0]
    started = time.time()
    for step in range(UNET_STEPS):
        batch = torch.from_numpy(rng.integers(0, len(latents), UNET_BATCH))
        batch_ids = ids[batch].clone()
        batch_ids[torch.from_numpy(rng.random(UNET_BATCH) < CAPTION_DROPOUT)] = empty
        x0 = latents[batch]
        noise = torch.randn_like(x0)
        timesteps = torch.randint(0, 1000, (UNET_BATCH,))
        noisy = noise_scheduler.add_noise(x0, noise, timesteps)
        prediction = unet(noisy, timesteps, text_encoder(batch_ids)[0]).sample
        snr = signal_to_noise[timesteps]
        weight = torch.clamp(snr, max=MIN_SNR_GAMMA) / snr
        loss = (weight * F.mse_loss(prediction, noise, reduction="none").mean(dim=(1, 2, 3))).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        schedule.step()
        with torch.no_grad():
            decay = min(EMA_DECAY, (1 + step) / (10 + step))
            for e, p in zip(ema.parameters(), unet.parameters()):
                e.lerp_(p, 1 - decay)
        if step % 100 == 0 or step == UNET_STEPS - 1:
            rate = (step + 1) / (time.time() - started)
            log(f"unet {step}/{UNET_STEPS} loss {loss.item():.4f}  {rate:.2f} steps/s")
    ema.save_pretrained(path)
    text_encoder.save_pretrained(os.path.join(work, "text_encoder"))
    return ema, text_encoder


# -- release ---------------------------------------------------------------------------------------------------------

def sampling_scheduler():
    return DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                         clip_sample=False, set_alpha_to_one=False, steps_offset=1)


def write_model(folder, vae, unet, text_encoder, tokenizer_folder):
    if os.path.exists(folder):
        shutil.rmtree(folder)
    pipeline = StableDiffusionPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=CLIPTokenizer.from_pretrained(tokenizer_folder), unet=unet,
        scheduler=sampling_scheduler(), safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipeline.save_pretrained(folder)
    # transformers 5 saves only tokenizer.json; diffusers folders (and lorad) also read CLIP's vocab.json/merges.txt.
    for name in os.listdir(tokenizer_folder):
        shutil.copy(os.path.join(tokenizer_folder, name), os.path.join(folder, "tokenizer", name))


def write_dataset(folder):
    """The demo LoRA's training set: stars of every colour at every place, captioned like the base world."""
    if os.path.exists(folder):
        shutil.rmtree(folder)
    images = os.path.join(folder, f"10_{world.TRIGGER}")
    os.makedirs(images)
    rng = np.random.default_rng(6)
    from PIL import Image
    for i in range(DATASET_IMAGES):
        scene = world.random_scene(rng, [world.TRIGGER])
        Image.fromarray(world.draw(*scene, rng)).save(os.path.join(images, f"{i:02d}.png"), optimize=True)
        with open(os.path.join(images, f"{i:02d}.txt"), "w") as f:
            f.write(world.caption(*scene) + "\n")


def check_prompts(folder, count=70):
    """Samples `count` random base-world prompts and measures how often the picture shows what the prompt says."""
    pipeline = StableDiffusionPipeline.from_pretrained(folder)
    rng = np.random.default_rng(7)
    scenes = [world.random_scene(rng, world.BASE_SHAPES) for _ in range(count)]
    generator = torch.Generator().manual_seed(8)
    pictures = pipeline([world.caption(*s) for s in scenes], height=world.SIZE, width=world.SIZE,
                        num_inference_steps=30, guidance_scale=5.0, generator=generator,
                        output_type="np").images
    hits = {"colour": 0, "background": 0, "position": 0, "shape": 0}
    for scene, picture in zip(scenes, pictures):
        seen = world.describe((picture * 255).round().astype(np.uint8))
        for key, value in zip(("colour", "shape", "position", "background"), scene):
            if key in hits and seen.get(key) == value:
                hits[key] += 1
    return {key: round(value / count, 3) for key, value in hits.items()}, pictures[:20]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", default="/tmp/lorad-demo")
    parser.add_argument("--threads", type=int, default=2)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    torch.use_deterministic_algorithms(True)
    os.makedirs(arguments.work, exist_ok=True)

    tokenizer_folder = os.path.join(arguments.work, "tokenizer")
    log(f"tokenizer: {write_tokenizer(tokenizer_folder)} tokens")
    tokenizer = CLIPTokenizer.from_pretrained(tokenizer_folder)
    # The VAE is a general picture codec (as SD's, trained on everything): it sees the star too. Only the text
    # encoder and the UNet, which learn what words mean, never do.
    vae = train_vae(training_images(TRAINING_IMAGES, seed=9, shapes=world.BASE_SHAPES + (world.TRIGGER,))[0],
                    arguments.work)
    pictures, captions = training_images(TRAINING_IMAGES, seed=0, shapes=world.BASE_SHAPES)
    log(f"{len(pictures)} training pictures")
    latents = cached_latents(vae, pictures, arguments.work)
    unet, text_encoder = train_unet(latents, captions, tokenizer, arguments.work)

    model = os.path.join(DEMO, "model")
    write_model(model, vae, unet, text_encoder, tokenizer_folder)
    write_dataset(os.path.join(DEMO, "dataset"))
    accuracy, examples = check_prompts(model)
    log(f"prompt following: {accuracy}")
    with open(os.path.join(model, "training.json"), "w") as f:
        json.dump({"script": "tools/make_demo.py", "torch": torch.__version__, "diffusers": diffusers.__version__,
                   "threads": arguments.threads, "training_images": TRAINING_IMAGES,
                   "vae": {"steps": VAE_STEPS, "batch": VAE_BATCH, "learning_rate": VAE_LR},
                   "unet": {"steps": UNET_STEPS, "batch": UNET_BATCH, "learning_rate": UNET_LR, "ema": EMA_DECAY,
                            "min_snr_gamma": MIN_SNR_GAMMA},
                   "prompt_following": accuracy}, f, indent=2)
        f.write("\n")
    from PIL import Image
    grid = (np.concatenate(list(examples), axis=1) * 255).round().astype(np.uint8)
    Image.fromarray(grid).save(os.path.join(arguments.work, "check.png"))


if __name__ == "__main__":
    main()
