#!/usr/bin/env python3
"""Goldens of ONE LoRA training step as kohya sd-scripts computes it, on the tiny fixture models.

    python3 tools/make_training_fixtures.py

CPU only, one thread, no network, about 30 seconds, byte-for-byte deterministic (float32 throughout, seeded torch
generators, `torch.use_deterministic_algorithms(True)`). Needs torch, diffusers, transformers, peft, lion-pytorch.
Reads Tests/Fixtures/models/<model>/ (written by make_fixtures.py) and writes
Tests/Fixtures/goldens/training/<case>.safetensors (through fixture_io: sorted headers).

Cases (each file holds four copies of its LoRA weights, so each trains only some components, as kohya's
--network_train_unet_only / --network_train_text_encoder_only do: the others get no LoRA at all):
  sd15_unet_locon_8x8           sd15-tiny, epsilon, latents 8x8, UNet with LoCon, clip_skip 1, peft-checked
  sd15_te_clipskip2_minsnr_7x5  sd15-tiny, epsilon, latents H 7 x W 5, text encoder, clip_skip 2, min_snr_gamma 5
  sd2_v_unet_te_minsnr_6x10     sd2-tiny, v_prediction, latents 6x10, UNet + text encoder (two AdamW lr groups),
                                clip_skip 1, min_snr_gamma 5 (v form), peft-checked
  sdxl_te1_te2_6x10             sdxl-tiny (fp16 files loaded as float32), epsilon, latents 6x10, both text encoders
  sdxl_unet_locon_6x10          sdxl-tiny, epsilon, latents 6x10, UNet with LoCon (linear projections, depth-2
                                transformers, add_embedding time ids from other original sizes)

One step (sd-scripts train_network.py process_batch / get_noise_pred_and_target / post_process_loss, networks/lora.py,
library/strategy_sd.py, strategy_sdxl.py, custom_train_functions.py):

  LoRA    Each target module as kohya's LoRAModule (multiplier 1, no dropout):
            y = org(x) + up(down(x)) * multiplier * (alpha / rank)
          Linear: down = Linear(in, r, bias=False) [r, in]; up = Linear(r, out, bias=False) [out, r].
          Conv2d: down = Conv2d(in, r, kernel, stride, padding of the original, bias=False) [r, in, kh, kw];
                  up = Conv2d(r, out, 1x1, bias=False) [out, r, 1, 1].
          Every Linear and 1x1 Conv2d: rank 4, alpha 2 (scale 0.5); every 3x3 Conv2d (LoCon only): rank 2, alpha 1
          (scale 0.5). UNet targets: every Linear/Conv2d inside a Transformer2DModel (proj_in/proj_out: 1x1 convs on
          sd15-tiny, Linear on sd2/sdxl; attn1/attn2 to_q, to_k, to_v, to_out.0; ff.net.0.proj; ff.net.2); with LoCon
          also inside ResnetBlock2D (conv1, conv2: 3x3; time_emb_proj: Linear; conv_shortcut: 1x1), Downsample2D
          (conv: 3x3 stride 2 padding 1) and Upsample2D (conv: 3x3). Text encoders: q_proj, k_proj, v_proj,
          out_proj, fc1, fc2 of every layer (kohya's CLIPAttention/CLIPMLP children).
  Init    One torch.Generator().manual_seed(seed) per case draws, in this order: input.latents, input.noise, then for
          each LoRA module in ascending order of its name `<component>.<module path>`: down = N(0,1)·0.1, then
          up = N(0,1)·0.05 (up not zero, so that down's gradient is not zero).
  Text    Captions → the folder's tokenizer(s), padding "max_length" 77, truncation.
          SD1/SD2: clip_skip 1 → last_hidden_state (after final_layer_norm); clip_skip 2 → hidden_states[-2], then
          final_layer_norm. SDXL: context = concat(TE1 hidden_states[-2], TE2 hidden_states[-2]) on the channel axis
          (kohya writes TE1's as hidden_states[11], [-2] of the real 12 layers; the tiny TE1 has 3), no final
          LayerNorm; pooled = TE2 text_projection(last_hidden_state at the FIRST eos id 999 of input_ids_2)
          (= transformers' text_embeds, asserted); added_cond_kwargs {text_embeds: pooled, time_ids}.
          Reading hidden_states[-2] (clip_skip 2; SDXL's TE1 always) leaves TE1's last layer out of the graph: kohya
          still creates its LoRA modules; their grad is None, the optimizers skip them (no weight decay either), so
          lora.grad.* is stored as zeros and lora.adamw.* / lora.lion.* equal lora.init.* (metadata unused_modules).
  Noise   DDPMScheduler from the folder's scheduler_config.json (scaled_linear 0.00085..0.012, 1000 steps; the same
          as kohya's hard-coded one, asserted): noisy = √ᾱ_t·x0 + √(1−ᾱ_t)·noise (`add_noise`, ᾱ float32);
          target = noise (epsilon) or v = √ᾱ_t·noise − √(1−ᾱ_t)·x0 (`get_velocity`, v_prediction).
          output.unet = UNet(noisy, timesteps as int64, context[, added_cond_kwargs]).sample.
  Loss    (pred − target)² per element, mean over (C, H, W) per sample, × 1 (kohya's loss_weights), then with
          min_snr_gamma γ × min(SNR_t, γ)/SNR_t (epsilon) or × min(SNR_t, γ)/(SNR_t + 1) (v_prediction), where
          SNR_t = (√ᾱ_t / √(1−ᾱ_t))² in float32; then the mean over the batch = output.loss.
  Optim   From the same initial weights and gradients, separately, the first step of each (no gradient clipping):
          torch.optim.AdamW(lr: UNet 1e-3, text encoders 5e-4 — one parameter group per lr, as kohya's
          unet_lr / text_encoder_lr —, betas (0.9, 0.999), eps 1e-8, weight_decay 0.01, foreach=False):
            p·(1 − lr·wd) − lr·ĝ/(√v̂ + eps), on step 1 ≈ p·(1 − lr·wd) − lr·g/(|g| + eps);
          lion_pytorch.Lion(lr 1e-4 for all, betas (0.9, 0.99), weight_decay 0.01): on step 1
            p·(1 − lr·wd) − lr·sign(g).
  peft    For peft-checked cases the script also runs the step with peft (LoraConfig on the same module names,
          lora_alpha = alpha, rank_pattern/alpha_pattern for 3x3 convs, lora_A = down, lora_B = up) and asserts that
          the loss, the UNet output and every gradient agree (they are bit-identical with peft 0.21).

Tensors (all F32, NCHW as PyTorch, batch B = 2):
  input.latents            [B, 4, H, W]  x0 (latents already scaled)
  input.noise              [B, 4, H, W]
  input.timesteps          [B]           integer values
  input.input_ids          [B, 77]       `tokenizer` ids (exact integers in F32)
  input.input_ids_2        [B, 77]       SDXL only: `tokenizer_2` ids (pads with 0)
  input.time_ids           [B, 6]        SDXL only: orig_h, orig_w, crop_top 0, crop_left 0, target_h = 8H,
                                         target_w = 8W
  lora.init.<component>.<module path>.down / .up   initial weights, [r, in] / [out, r] (Linear),
                                                   [r, in, kh, kw] / [out, r, 1, 1] (Conv2d)
  lora.grad.<…>.down / .up    d output.loss / d weight
  lora.adamw.<…>.down / .up   after one AdamW step
  lora.lion.<…>.down / .up    after one Lion step
  output.unet              [B, 4, H, W]  UNet prediction (with the LoRA)
  output.noisy_latents     [B, 4, H, W]  UNet input
  output.target            [B, 4, H, W]  noise or v
  output.loss_per_sample   [B]           mean over (C, H, W) of the squared error, before weighting
  output.loss_weight       [B]           min-SNR weight, or 1
  output.loss              [1]
<component>: unet, text_encoder, text_encoder_2. <module path>: as diffusers/transformers name the module, text
encoders always with `text_model.` (transformers 5 leaves it out of CLIPTextModel's own names), e.g.
text_encoder.text_model.encoder.layers.0.self_attn.q_proj, unet.down_blocks.0.resnets.0.conv1,
unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.

__metadata__ (every value a JSON text): case, model (folder under Tests/Fixtures/models), prediction_type, trained
(components with LoRA), locon, rank, alpha, conv_rank and conv_alpha (null without LoCon), multiplier, clip_skip (null
for SDXL), min_snr_gamma (null when off), captions, latent_size [H, W], seed, init_std {down, up}, modules
{component: count}, unused_modules (stems without gradient), unet_lr, text_encoder_lr, adamw {lr per component,
betas, eps, weight_decay}, lion {lr, betas, weight_decay}, peft_checked, sdxl_text (SDXL only: the choices above).
"""
import json
import os
import sys
import warnings
from dataclasses import dataclass

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_io import save_safetensors  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import diffusers  # noqa: E402
import peft  # noqa: E402
import transformers  # noqa: E402
from diffusers import DDPMScheduler, StableDiffusionPipeline, StableDiffusionXLPipeline  # noqa: E402
from lion_pytorch import Lion  # noqa: E402

diffusers.utils.logging.set_verbosity_error()
transformers.utils.logging.set_verbosity_error()
diffusers.utils.logging.disable_progress_bar()
transformers.utils.logging.disable_progress_bar()
torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(REPO, "Tests", "Fixtures", "models")
OUT = os.path.join(REPO, "Tests", "Fixtures", "goldens", "training")

RANK, ALPHA, CONV_RANK, CONV_ALPHA, MULTIPLIER = 4, 2.0, 2, 1.0, 1.0
DOWN_STD, UP_STD = 0.1, 0.05
UNET_LR, TEXT_ENCODER_LR = 1e-3, 5e-4
ADAMW = {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01}
LION = {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.01}

UNET_TARGETS = ("Transformer2DModel",)
UNET_LOCON_TARGETS = ("ResnetBlock2D", "Downsample2D", "Upsample2D")
TEXT_TARGETS = ("CLIPAttention", "CLIPSdpaAttention", "CLIPMLP")
TEXT_ENCODERS = ("text_encoder", "text_encoder_2")


@dataclass
class Case:
    name: str
    model: str
    size: tuple  # latent (H, W)
    trained: tuple
    timesteps: tuple
    captions: tuple
    seed: int
    locon: bool = False
    clip_skip: int = 1
    min_snr_gamma: float | None = None
    peft: bool = False
    original_sizes: tuple = ()  # SDXL: (h, w) per sample


CASES = [
    Case("sd15_unet_locon_8x8", "sd15-tiny", (8, 8), ("unet",), (37, 811),
         ("a photograph of an astronaut riding a horse", "a red fox in the snow, golden light"), seed=101,
         locon=True, peft=True),
    Case("sd15_te_clipskip2_minsnr_7x5", "sd15-tiny", (7, 5), ("text_encoder",), (999, 3),
         ("a watercolor painting of a lighthouse", "two cats"), seed=102, clip_skip=2, min_snr_gamma=5.0),
    Case("sd2_v_unet_te_minsnr_6x10", "sd2-tiny", (6, 10), ("unet", "text_encoder"), (37, 811),
         ("a castle on a hill at night", "portrait of a woman with a blue hat"), seed=103, min_snr_gamma=5.0,
         peft=True),
    Case("sdxl_te1_te2_6x10", "sdxl-tiny", (6, 10), ("text_encoder", "text_encoder_2"), (500, 120),
         ("a bowl of fruit on a wooden table", "a city street in the rain, neon signs, reflections"), seed=104,
         original_sizes=((48, 80), (1024, 768))),
    Case("sdxl_unet_locon_6x10", "sdxl-tiny", (6, 10), ("unet",), (640, 77),
         ("a lighthouse on a cliff", "an old map with a compass"), seed=105, locon=True,
         original_sizes=((64, 64), (512, 896))),
]


# ---------------------------------------------------------------------------------------------------------------
# LoRA as kohya's LoRAModule


class KohyaLoRA(torch.nn.Module):
    """networks/lora.py LoRAModule: replaces the original module's forward, keeps its weights."""

    def __init__(self, original, rank, alpha):
        super().__init__()
        if isinstance(original, torch.nn.Conv2d):
            self.down = torch.nn.Conv2d(original.in_channels, rank, original.kernel_size, original.stride,
                                        original.padding, bias=False)
            self.up = torch.nn.Conv2d(rank, original.out_channels, (1, 1), (1, 1), bias=False)
        else:
            self.down = torch.nn.Linear(original.in_features, rank, bias=False)
            self.up = torch.nn.Linear(rank, original.out_features, bias=False)
        self.scale = alpha / rank
        self.original_forward = original.forward
        original.forward = self.forward

    def forward(self, x):
        return self.original_forward(x) + self.up(self.down(x)) * MULTIPLIER * self.scale


def is_3x3(module):
    """kohya gives conv_dim/conv_alpha to every Conv2d whose kernel is not 1x1 (all are 3x3 in these UNets)."""
    return isinstance(module, torch.nn.Conv2d) and module.kernel_size != (1, 1)


def lora_targets(component, model, locon):
    """{module path in `model`: module} as kohya's LoRANetwork.create_modules finds them; 3x3 convs only with LoCon."""
    classes = TEXT_TARGETS if component in TEXT_ENCODERS else UNET_TARGETS + (UNET_LOCON_TARGETS if locon else ())
    targets = {}
    for name, module in model.named_modules():
        if type(module).__name__ not in classes:
            continue
        for child_name, child in module.named_modules():
            if not isinstance(child, (torch.nn.Linear, torch.nn.Conv2d)):
                continue
            if is_3x3(child) and not locon:
                continue
            targets[f"{name}.{child_name}"] = child
    assert targets, component
    return targets


def file_path(component, module_path):
    """transformers 5 names CLIPTextModel's modules without `text_model.`; the files always carry it."""
    if component in TEXT_ENCODERS and not module_path.startswith("text_model."):
        module_path = "text_model." + module_path
    return f"{component}.{module_path}"


def rank_alpha(module):
    return (CONV_RANK, CONV_ALPHA) if is_3x3(module) else (RANK, ALPHA)


def apply_kohya(case, parts):
    """Wraps every target of the trained components; {stem: (down weight, up weight)}. The original module's
    forward, now the LoRA's bound method, keeps the LoRA alive (kohya too drops its link to the original)."""
    params = {}
    for component in case.trained:
        for path, module in lora_targets(component, parts[component], case.locon).items():
            lora = KohyaLoRA(module, *rank_alpha(module))
            params[file_path(component, path)] = (lora.down.weight, lora.up.weight)
    return params


def draw_initial_weights(params, generator):
    """down = N(0, 1)·DOWN_STD, then up = N(0, 1)·UP_STD, module after module in ascending order of stem; copied into
    the parameters and returned as {stem: (down, up)}."""
    init = {}
    for stem in sorted(params):
        down, up = params[stem]
        init[stem] = (torch.randn(down.shape, generator=generator) * DOWN_STD,
                      torch.randn(up.shape, generator=generator) * UP_STD)
        with torch.no_grad():
            down.copy_(init[stem][0])
            up.copy_(init[stem][1])
    return init


def apply_peft(case, parts, init):
    """The same adapters through peft; returns {stem: (lora_A weight, lora_B weight)}."""
    params = {}
    for component in case.trained:
        model = parts[component]
        targets = lora_targets(component, model, case.locon)
        convs = [path for path, module in targets.items() if is_3x3(module)]
        config = peft.LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=list(targets), lora_dropout=0.0,
                                 init_lora_weights=False,
                                 rank_pattern={path: CONV_RANK for path in convs},
                                 alpha_pattern={path: CONV_ALPHA for path in convs})
        peft.inject_adapter_in_model(config, model)
        modules = dict(model.named_modules())
        for path in targets:
            layer = modules[path]
            down, up = layer.lora_A["default"].weight, layer.lora_B["default"].weight
            stem = file_path(component, path)
            rank, alpha = rank_alpha(targets[path])
            assert layer.scaling["default"] == alpha / rank and down.shape == init[stem][0].shape, stem
            with torch.no_grad():
                down.copy_(init[stem][0])
                up.copy_(init[stem][1])
            params[stem] = (down, up)
        trainable = sum(1 for p in model.parameters() if p.requires_grad)
        assert trainable == 2 * len(targets), (component, trainable)  # peft adapted exactly these modules
    return params


# ---------------------------------------------------------------------------------------------------------------
# One step


def load(model):
    folder = os.path.join(MODELS, model)
    if model.startswith("sdxl"):
        pipe = StableDiffusionXLPipeline.from_pretrained(folder, torch_dtype=torch.float32, local_files_only=True,
                                                         variant="fp16", add_watermarker=False)
        names = ("unet", "text_encoder", "text_encoder_2")
    else:
        pipe = StableDiffusionPipeline.from_pretrained(folder, torch_dtype=torch.float32, local_files_only=True)
        names = ("unet", "text_encoder")
    parts = {name: getattr(pipe, name) for name in names}
    for model_ in parts.values():
        model_.requires_grad_(False)
        model_.eval()  # the tiny models have no dropout; eval only pins that
    return pipe, parts


def noise_scheduler(model):
    """DDPM from the folder's config; kohya hard-codes the same betas (asserted)."""
    with open(os.path.join(MODELS, model, "scheduler", "scheduler_config.json")) as f:
        config = json.load(f)
    scheduler = DDPMScheduler(num_train_timesteps=config["num_train_timesteps"], beta_start=config["beta_start"],
                              beta_end=config["beta_end"], beta_schedule=config["beta_schedule"], clip_sample=False,
                              prediction_type=config.get("prediction_type", "epsilon"))
    kohya = DDPMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                          num_train_timesteps=1000, clip_sample=False)
    assert torch.equal(scheduler.alphas_cumprod, kohya.alphas_cumprod), model
    return scheduler


def tokenize(tokenizer, captions):
    return tokenizer(list(captions), padding="max_length", max_length=77, truncation=True,
                     return_tensors="pt").input_ids


def text_conditioning(case, pipe, parts, inputs):
    """kohya's SdTextEncodingStrategy / SdxlTextEncodingStrategy: (context, added_cond_kwargs or None)."""
    if "text_encoder_2" not in parts:
        encoder = parts["text_encoder"]
        if case.clip_skip == 1:
            return encoder(inputs["input_ids"])[0], None
        hidden = encoder(inputs["input_ids"], output_hidden_states=True).hidden_states[-case.clip_skip]
        return encoder.final_layer_norm(hidden), None
    hidden1 = parts["text_encoder"](inputs["input_ids"], output_hidden_states=True).hidden_states[-2]
    out2 = parts["text_encoder_2"](inputs["input_ids_2"], output_hidden_states=True)
    ids2 = inputs["input_ids_2"]
    first_eos = torch.argmax((ids2 == pipe.tokenizer_2.eos_token_id).int(), dim=1)
    pooled = parts["text_encoder_2"].text_projection(out2.last_hidden_state[torch.arange(ids2.shape[0]), first_eos])
    assert torch.equal(pooled, out2.text_embeds), "kohya's pooling differs from transformers' text_embeds"
    context = torch.cat([hidden1, out2.hidden_states[-2]], dim=2)
    return context, {"text_embeds": pooled, "time_ids": inputs["time_ids"]}


def snr_weight(case, scheduler, timesteps):
    """custom_train_functions.apply_snr_weight (prepare_scheduler_for_custom_training's all_snr)."""
    if case.min_snr_gamma is None:
        return torch.ones(len(timesteps))
    alphas_cumprod = scheduler.alphas_cumprod
    all_snr = (torch.sqrt(alphas_cumprod) / torch.sqrt(1.0 - alphas_cumprod)) ** 2
    snr = torch.stack([all_snr[t] for t in timesteps])
    clipped = torch.minimum(snr, torch.full_like(snr, case.min_snr_gamma))
    if scheduler.config.prediction_type == "v_prediction":
        return torch.div(clipped, snr + 1).float()
    return torch.div(clipped, snr).float()


def train_step(case, pipe, parts, scheduler, inputs):
    """train_network.py process_batch: (loss, tensors for the file). Gradients land on the LoRA parameters."""
    timesteps = inputs["timesteps"]
    context, added = text_conditioning(case, pipe, parts, inputs)
    latents, noise = inputs["latents"], inputs["noise"]
    noisy = scheduler.add_noise(latents, noise, timesteps)
    if scheduler.config.prediction_type == "v_prediction":
        target = scheduler.get_velocity(latents, noise, timesteps)
    else:
        target = noise
    kwargs = {"added_cond_kwargs": added} if added else {}
    prediction = parts["unet"](noisy, timesteps, context, **kwargs).sample
    per_element = torch.nn.functional.mse_loss(prediction.float(), target.float(), reduction="none")
    per_sample = per_element.mean(dim=list(range(1, per_element.ndim)))
    weight = snr_weight(case, scheduler, timesteps)
    loss = (per_sample * 1.0 * weight).mean()
    loss.backward()
    return loss, {"output.unet": prediction.detach(), "output.noisy_latents": noisy.detach(),
                  "output.target": target.detach(), "output.loss_per_sample": per_sample.detach(),
                  "output.loss_weight": weight, "output.loss": loss.detach().reshape(1)}


def component_of(stem):
    return stem.split(".", 1)[0]


def optimizer_step(kind, init, grads):
    """One step of AdamW (lr per component group) or Lion from the initial weights; {name: updated}."""
    names = sorted(grads)
    params = {}
    for name in names:
        stem, which = name.rsplit(".", 1)
        params[name] = torch.nn.Parameter(init[stem][0 if which == "down" else 1].clone())
        params[name].grad = None if grads[name] is None else grads[name].clone()  # None: the optimizer skips it
    if kind == "adamw":
        groups = []
        for lr, components in ((UNET_LR, ("unet",)), (TEXT_ENCODER_LR, TEXT_ENCODERS)):
            members = [params[n] for n in names if component_of(n) in components]
            if members:
                groups.append({"params": members, "lr": lr})
        optimizer = torch.optim.AdamW(groups, foreach=False, **ADAMW)
    else:
        optimizer = Lion([params[n] for n in names], **LION)
    optimizer.step()
    return {name: p.detach().clone() for name, p in params.items()}


def make_inputs(case, pipe, generator):
    channels = pipe.unet.config.in_channels
    inputs = {"latents": torch.randn(2, channels, *case.size, generator=generator),
              "noise": torch.randn(2, channels, *case.size, generator=generator),
              "timesteps": torch.tensor(case.timesteps, dtype=torch.int64),
              "input_ids": tokenize(pipe.tokenizer, case.captions)}
    if case.model.startswith("sdxl"):
        inputs["input_ids_2"] = tokenize(pipe.tokenizer_2, case.captions)
        target = (case.size[0] * 8, case.size[1] * 8)
        inputs["time_ids"] = torch.tensor([[*original, 0, 0, *target] for original in case.original_sizes],
                                          dtype=torch.float32)
    return inputs


def run_case(case):
    generator = torch.Generator().manual_seed(case.seed)
    pipe, parts = load(case.model)
    scheduler = noise_scheduler(case.model)
    inputs = make_inputs(case, pipe, generator)
    params = apply_kohya(case, parts)
    init = draw_initial_weights(params, generator)
    loss, outputs = train_step(case, pipe, parts, scheduler, inputs)
    grads = {}
    for stem, (down, up) in params.items():
        assert (down.grad is None) == (up.grad is None), stem
        grads[f"{stem}.down"], grads[f"{stem}.up"] = down.grad, up.grad
    unused = sorted({name.rsplit(".", 1)[0] for name, g in grads.items() if g is None})
    # Reading the penultimate layer (clip skip 2; SDXL's TE1 always) leaves TE1's last layer out of the graph: kohya
    # still creates its modules, the optimizers skip them (grad None: not even weight decay), the file has zeros.
    last_layer = parts["text_encoder"].config.num_hidden_layers - 1
    skips = case.clip_skip > 1 or case.model.startswith("sdxl")
    expected = sorted(stem for stem in init if skips and
                      stem.startswith(f"text_encoder.text_model.encoder.layers.{last_layer}."))
    assert unused == expected, unused
    # No tensor whose gradient is rounding noise around an exact zero (as a time_emb_proj LoRA is before a GroupNorm
    # of one channel per group, which removes per-channel offsets): its value and Lion's sign(g) would not reproduce.
    for name, g in grads.items():
        assert g is None or (torch.isfinite(g).all() and g.abs().max() > 1e-7), (name, g.abs().max())

    if case.peft:
        peft_pipe, peft_parts = load(case.model)
        peft_params = apply_peft(case, peft_parts, init)
        assert sorted(peft_params) == sorted(params)
        peft_loss, peft_outputs = train_step(case, peft_pipe, peft_parts, scheduler, inputs)
        torch.testing.assert_close(peft_loss, loss, rtol=1e-6, atol=0)
        torch.testing.assert_close(peft_outputs["output.unet"], outputs["output.unet"], rtol=1e-5, atol=1e-6)
        for stem, (down, up) in peft_params.items():
            if stem in unused:
                assert down.grad is None and up.grad is None, stem
                continue
            torch.testing.assert_close(down.grad, grads[f"{stem}.down"], rtol=1e-4, atol=1e-7, msg=stem)
            torch.testing.assert_close(up.grad, grads[f"{stem}.up"], rtol=1e-4, atol=1e-7, msg=stem)

    tensors = {f"input.{k}": v.float() for k, v in inputs.items()}
    tensors.update(outputs)
    for stem, (down, up) in init.items():
        tensors[f"lora.init.{stem}.down"], tensors[f"lora.init.{stem}.up"] = down, up
    tensors.update({f"lora.grad.{name}": torch.zeros_like(tensors[f"lora.init.{name}"]) if g is None else g
                    for name, g in grads.items()})
    for kind in ("adamw", "lion"):
        tensors.update({f"lora.{kind}.{n}": p for n, p in optimizer_step(kind, init, grads).items()})
    for name, value in tensors.items():
        assert value.dtype == torch.float32 and torch.isfinite(value).all(), name

    counts = {}
    for stem in init:
        counts[component_of(stem)] = counts.get(component_of(stem), 0) + 1
    metadata = {
        "case": case.name, "model": case.model, "prediction_type": scheduler.config.prediction_type,
        "trained": list(case.trained), "locon": case.locon, "rank": RANK, "alpha": ALPHA,
        "conv_rank": CONV_RANK if case.locon else None, "conv_alpha": CONV_ALPHA if case.locon else None,
        "multiplier": MULTIPLIER, "clip_skip": None if case.model.startswith("sdxl") else case.clip_skip,
        "min_snr_gamma": case.min_snr_gamma, "captions": list(case.captions), "latent_size": list(case.size),
        "seed": case.seed, "init_std": {"down": DOWN_STD, "up": UP_STD}, "modules": counts,
        "unet_lr": UNET_LR, "text_encoder_lr": TEXT_ENCODER_LR,
        "adamw": {"lr": {c: (UNET_LR if c == "unet" else TEXT_ENCODER_LR) for c in case.trained},
                  "betas": list(ADAMW["betas"]), "eps": ADAMW["eps"], "weight_decay": ADAMW["weight_decay"]},
        "lion": {"lr": LION["lr"], "betas": list(LION["betas"]), "weight_decay": LION["weight_decay"]},
        "peft_checked": case.peft, "unused_modules": unused,
    }
    if case.model.startswith("sdxl"):
        metadata["sdxl_text"] = {"te1_hidden_state": -2, "te2_hidden_state": -2, "final_layer_norm": False,
                                 "pooled": "text_projection(te2 last_hidden_state at first eos)",
                                 "time_ids": "orig_h, orig_w, crop_top, crop_left, target_h, target_w"}
    path = os.path.join(OUT, f"{case.name}.safetensors")
    save_safetensors(path, tensors, {k: json.dumps(v) for k, v in metadata.items()})
    return path, loss.item(), grads


def main():
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for case in CASES:
        path, loss, grads = run_case(case)
        size = os.path.getsize(path)
        total += size
        flat = torch.cat([g.reshape(-1) for g in grads.values() if g is not None]).abs()
        print(f"{size:>9}  {os.path.relpath(path, REPO)}  loss {loss:.6g}  |grad| max {flat.max():.3g} "
              f"mean {flat.mean():.3g} median {flat.median():.3g} min {flat.min():.3g}")
    print(f"{total:>9}  total; torch {torch.__version__}, diffusers {diffusers.__version__}, "
          f"transformers {transformers.__version__}, peft {peft.__version__}")


if __name__ == "__main__":
    main()
