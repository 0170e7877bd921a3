"""Goldens for lorad's LoRA file formats, from sd-scripts', diffusers' and peft's own code.

    python3 tools/make_lora_fixtures.py /path/to/sd-scripts

Writes under Tests/Fixtures/goldens/lora_files/:
- `metadata_<case>.json`: the complete `__metadata__` sd-scripts writes into a LoRA file, made by sd-scripts' own
  code: the statements of `train_network.py:NetworkTrainer.train` from `metadata = {` to the `str()` conversion are
  executed (taken from the source with `ast`, not copied) with an argparse namespace from sd-scripts' own parser and
  stand-in dataset objects, then `save_model`'s additions, `train_util.get_sai_model_spec` (modelspec.*) and
  `train_util.precalculate_safetensors_hashes` (sshs_*) over a deterministic state dict. The JSON holds the facts,
  the module list and the tensor recipe, so the Swift test can rebuild the same file and compare every key.
- `hashes.json`: sd-scripts' hashes of a file of known bytes (`model_hash`, `calculate_sha256`; byte i is i mod 251,
  1.2 MiB) and `precalculate_safetensors_hashes` of the `sd15_locon` tensors with no metadata at all.
- `locon_sd15.safetensors` (+ `.json`): a kohya file with LoRA and LoCon modules of the full-size SD 1.5 UNet, in
  float16, named and shaped by sd-scripts' LoCon network; the JSON lists each module's diffusers path and sums.
- `peft_sd15_tiny.safetensors` (+ `.json`): `StableDiffusionPipeline.save_lora_weights` of peft adapters (rank 4,
  lora_alpha 8, one module at rank 2 / alpha 3) on the tiny SD 1.5 fixture's UNet and text encoder.

Made with sd-scripts 48d368fa, diffusers 0.42.1, peft 0.21.2, transformers 5.23, torch 2.13 (CPU); about a minute.
Safetensors files are rewritten by fixture_io.save_safetensors (same tensors and metadata, sorted header), so two
runs give identical bytes.
The torchvision stub and the transformers 4.x module layout are explained in make_lora_keysets.py.
"""
import ast
import importlib.machinery
import json
import os
import sys
import time
import types

import torch
from diffusers import AutoencoderKL, EulerAncestralDiscreteScheduler, StableDiffusionPipeline  # noqa: F401
from diffusers import UNet2DConditionModel
import diffusers.optimization  # noqa: F401
import safetensors.torch
import transformers
from transformers import CLIPTextModel

import make_lora_keysets as keysets
from fixture_io import save_safetensors

ROOT = os.path.join(os.path.dirname(__file__), "..")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "goldens", "lora_files")
TINY_SD15 = os.path.join(ROOT, "Tests", "Fixtures", "models", "sd15-tiny")


def import_sd_scripts(root):
    # train_util builds torchvision transforms at import and lpw_stable_diffusion imports a name transformers 5
    # renamed; neither is used here.
    transformers.CLIPFeatureExtractor = transformers.CLIPImageProcessor
    lora, original_unet, sdxl_original_unet = keysets.import_sd_scripts(root)
    transforms = sys.modules["torchvision.transforms"]
    for name in ("Compose", "ToTensor", "Normalize"):
        setattr(transforms, name, lambda *args, **kwargs: None)
    from library import model_util, sai_model_spec, sdxl_model_util, train_util
    import train_network
    return types.SimpleNamespace(
        lora=lora, original_unet=original_unet, sdxl_original_unet=sdxl_original_unet, train_util=train_util,
        train_network=train_network, sai_model_spec=sai_model_spec, model_util=model_util,
        sdxl_model_util=sdxl_model_util)


def metadata_statements(train_network):
    """`NetworkTrainer.train`'s statements from `metadata = {` through `metadata = {k: str(v) ...}`."""
    tree = ast.parse(open(train_network.__file__).read())
    trainer = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "NetworkTrainer")
    train = next(n for n in trainer.body if isinstance(n, ast.FunctionDef) and n.name == "train")

    def assigns_metadata(statement, value_type):
        return (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id == "metadata"
                and isinstance(statement.value, value_type))

    start = next(i for i, s in enumerate(train.body) if assigns_metadata(s, ast.Dict))
    end = next(i for i, s in enumerate(train.body) if i > start and assigns_metadata(s, ast.DictComp))
    return compile(ast.Module(body=train.body[start:end + 1], type_ignores=[]), train_network.__file__, "exec")


class Subset:
    def __init__(self, image_dir, num_repeats, img_count, is_reg):
        self.image_dir, self.num_repeats, self.img_count, self.is_reg = image_dir, num_repeats, img_count, is_reg


class Dataset:
    def __init__(self, facts):
        self.subsets = [Subset(d["dir"], d["repeats"], d["images"], d["is_reg"]) for d in facts["dirs"]]
        self.enable_bucket = facts["enable_bucket"]
        self.bucket_no_upscale = facts["bucket_no_upscale"]
        self.min_bucket_reso = facts["min_bucket_reso"]
        self.max_bucket_reso = facts["max_bucket_reso"]
        self.tag_frequency = facts["tag_frequency"]
        # As BaseDataset.make_buckets stores it: integer bucket indices, (width, height) tuples.
        self.bucket_info = None if facts["buckets"] is None else {
            "buckets": {b["index"]: {"resolution": tuple(b["resolution"]), "count": b["count"]}
                        for b in facts["buckets"]},
            "mean_img_ar_error": facts["mean_img_ar_error"]}
        self.batch_size = facts["batch_size"]


CASES = [
    dict(name="sd15_locon", keyset="sd15_locon", sdxl=False, precision="fp16", argv=[
        "--pretrained_model_name_or_path", "stable-diffusion-v1-5/stable-diffusion-v1-5",
        "--train_data_dir", "/data/train", "--reg_data_dir", "/data/reg", "--output_name", "sks_dog",
        "--resolution", "512,640", "--network_module", "networks.lora", "--network_dim", "8", "--network_alpha", "4",
        "--network_args", "conv_dim=4", "conv_alpha=2", "--learning_rate", "0.0001", "--unet_lr", "0.0001",
        "--text_encoder_lr", "5e-05", "--lr_scheduler", "cosine_with_restarts", "--lr_warmup_steps", "50",
        "--max_train_steps", "1000", "--train_batch_size", "2", "--gradient_accumulation_steps", "2",
        "--mixed_precision", "fp16", "--save_precision", "fp16", "--clip_skip", "2", "--seed", "1234",
        "--enable_bucket", "--min_bucket_reso", "320", "--max_bucket_reso", "960", "--cache_latents",
        "--shuffle_caption", "--keep_tokens", "1", "--caption_dropout_rate", "0.05", "--noise_offset", "0.0357",
        "--min_snr_gamma", "5", "--optimizer_type", "AdamW", "--max_grad_norm", "1.0", "--gradient_checkpointing",
        "--training_comment", "trigger: sks dog, «café»", "--metadata_author", "lorad tests",
        "--metadata_tags", "dog,photo"],
        optimizer=("torch.optim.adamw.AdamW", "weight_decay=0.01,betas=(0.9, 0.999)"),
        dataset=dict(dirs=[dict(dir="/data/train/10_sks dog", repeats=10, images=12, is_reg=False),
                           dict(dir="/data/reg/1_dog", repeats=1, images=30, is_reg=True)],
                     enable_bucket=True, bucket_no_upscale=False, min_bucket_reso=320, max_bucket_reso=960,
                     tag_frequency={"10_sks dog": {"sks": 12, "dog": 11, "running": 3, "café au lait": 1}},
                     buckets=[dict(index=3, resolution=[448, 704], count=40), dict(index=7, resolution=[512, 640],
                                                                                   count=80)],
                     mean_img_ar_error=0.012345678901234, batch_size=2),
        num_train_images=120, num_reg_images=30, batches_per_epoch=75, epochs=27, steps=1000, epoch=27,
        session_id=3141592653, started_at=1767225600.25, finished_at=1767229200.5, spec_time=1767229201.75),
    dict(name="sdxl_unet_only", keyset="sdxl", sdxl=True, precision="bf16", argv=[
        "--pretrained_model_name_or_path", "/models/sd_xl_base_1.0.safetensors", "--train_data_dir", "/data/x",
        "--output_name", "style", "--resolution", "1024", "--network_module", "networks.lora", "--network_dim", "4",
        "--network_alpha", "1", "--network_train_unet_only", "--learning_rate", "1e-4", "--lr_scheduler",
        "constant", "--max_train_steps", "40", "--train_batch_size", "1", "--save_precision", "bf16",
        "--optimizer_type", "Prodigy", "--min_timestep", "100"],
        optimizer=("prodigyopt.prodigy.Prodigy", ""),
        dataset=dict(dirs=[dict(dir="/data/x/4_style", repeats=4, images=10, is_reg=False)],
                     enable_bucket=False, bucket_no_upscale=False, min_bucket_reso=256, max_bucket_reso=1024,
                     tag_frequency={"4_style": {"style": 10}}, buckets=None, mean_img_ar_error=None, batch_size=1),
        num_train_images=40, num_reg_images=0, batches_per_epoch=40, epochs=1, steps=40, epoch=1,
        session_id=7, started_at=1767225600.0, finished_at=1767225700.0, spec_time=1767225700.0),
]


def recipe_tensors(modules, dtype):
    """Deterministic values exactly representable in F16 and BF16: ((k·37) mod 255 − 127)/64, k counting elements
    over the modules' down then up weights in name order; alphas as given."""
    tensors, k = {}, 0
    for name in sorted(modules):
        for part in ("down", "up"):
            shape = modules[name][part]
            count = 1
            for d in shape:
                count *= d
            values = ((torch.arange(k, k + count, dtype=torch.int64) * 37) % 255 - 127).to(torch.float32) / 64
            tensors[f"{name}.lora_{part}.weight"] = values.reshape(shape).to(dtype)
            k += count
        tensors[f"{name}.alpha"] = torch.tensor(modules[name]["alpha"]).to(dtype)
    return tensors


def metadata_case(sd, case):
    parser = sd.train_network.setup_parser()
    args = parser.parse_args(case["argv"])
    sd.train_util.prepare_dataset_args(args, True)
    is_sdxl = case["sdxl"]
    dataset = Dataset(case["dataset"])
    group = types.SimpleNamespace(datasets=[dataset], num_train_images=case["num_train_images"],
                                  num_reg_images=case["num_reg_images"])
    net_kwargs = dict(arg.split("=", 1) for arg in (args.network_args or []))
    if "dropout" not in net_kwargs:
        net_kwargs["dropout"] = args.network_dropout
    text_encoder_lr = args.text_encoder_lr
    if not (text_encoder_lr is None or isinstance(text_encoder_lr, (float, int))):
        text_encoder_lr = None if len(text_encoder_lr) == 0 else text_encoder_lr[0]
    model_version = (sd.sdxl_model_util.MODEL_VERSION_SDXL_BASE_V1_0 if is_sdxl
                     else sd.model_util.get_model_version_str_for_sd1_sd2(args.v2, args.v_parameterization))
    trainer = sd.train_network.NetworkTrainer()
    optimizer_name, optimizer_args = case["optimizer"]
    namespace = dict(vars(sd.train_network))
    namespace.update(
        self=trainer, args=args, session_id=case["session_id"], training_started_at=case["started_at"],
        text_encoder_lr=text_encoder_lr, train_dataset_group=group, val_dataset_group=None,
        train_dataloader=[None] * case["batches_per_epoch"], num_train_epochs=case["epochs"],
        optimizer_name=optimizer_name, optimizer_args=optimizer_args, model_version=model_version,
        use_user_config=False, use_dreambooth_method=True, net_kwargs=net_kwargs,
        total_batch_size=args.train_batch_size * 1 * args.gradient_accumulation_steps)
    # The commit sd-scripts reports is the trainer's own: lorad passes its own string.
    sd.train_util.get_git_revision_hash = lambda: "lorad-test-commit"
    sd.sai_model_spec.get_implementation_version = lambda: "lorad/test"
    exec(metadata_statements(sd.train_network), namespace)
    metadata = namespace["metadata"]

    # save_model
    metadata["ss_training_finished_at"] = str(case["finished_at"])
    metadata["ss_steps"] = str(case["steps"])
    metadata["ss_epoch"] = str(case["epoch"])
    real_time = time.time
    time.time = lambda: case["spec_time"]
    try:
        metadata.update(sd.train_util.get_sai_model_spec(None, args, is_sdxl, True, False))
    finally:
        time.time = real_time

    # save_weights
    modules = json.load(open(os.path.join(keysets.OUT, case["keyset"] + ".json")))["modules"]
    if args.network_train_unet_only:
        modules = {k: v for k, v in modules.items() if k.startswith("lora_unet")}
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16, "float": torch.float32}[case["precision"]]
    tensors = recipe_tensors(modules, dtype)
    model_hash, legacy_hash = sd.train_util.precalculate_safetensors_hashes(tensors, metadata)
    metadata["sshs_model_hash"] = model_hash
    metadata["sshs_legacy_hash"] = legacy_hash
    data_bytes = len(safetensors.torch.save(tensors, {k: v for k, v in metadata.items() if k.startswith("ss_")}))
    return dict(case=case["name"], keyset=case["keyset"], precision=case["precision"], argv=case["argv"],
                optimizer=case["optimizer"], dataset=case["dataset"], facts={k: case[k] for k in (
                    "num_train_images", "num_reg_images", "batches_per_epoch", "epochs", "steps", "epoch",
                    "session_id", "started_at", "finished_at", "spec_time")},
                serialized_length=data_bytes, metadata=dict(sorted(metadata.items())))


def hashes(sd):
    path = os.path.join(OUT, "known_bytes.tmp")
    length = 1_200_000
    with open(path, "wb") as file:
        file.write(bytes(i % 251 for i in range(length)))
    try:
        document = dict(known_bytes=dict(length=length, model_hash=sd.train_util.model_hash(path),
                                         sha256=sd.train_util.calculate_sha256(path)))
    finally:
        os.remove(path)
    modules = json.load(open(os.path.join(keysets.OUT, "sd15_locon.json")))["modules"]
    model_hash, legacy_hash = sd.train_util.precalculate_safetensors_hashes(recipe_tensors(modules, torch.float16), {})
    document["sd15_locon_fp16_without_metadata"] = dict(sshs_model_hash=model_hash, sshs_legacy_hash=legacy_hash)
    return document


def locon_file(sd):
    """A handful of modules of sd-scripts' SD 1.5 LoCon network (dim 4 / alpha 2, conv 3 / alpha 1.5): an attention
    Linear, a 1×1 proj_in, a resnet's 3×3 conv, time_emb_proj and 1×1 conv_shortcut, a downsampler, a text-encoder
    MLP layer."""
    keysets_sd = sd.lora
    keysets_sd.LoRANetwork.UNET_TARGET_REPLACE_MODULE = ["Transformer2DModel"]
    unet, encoder = keysets.build("sd15", sd.original_unet, sd.sdxl_original_unet)
    network = keysets_sd.create_network(1.0, 4, 2.0, None, encoder, unet, conv_dim="3", conv_alpha="1.5")
    wanted = [
        "lora_unet_down_blocks_0_attentions_1_transformer_blocks_0_attn2_to_k",
        "lora_unet_down_blocks_1_attentions_0_proj_in",
        "lora_unet_down_blocks_1_resnets_0_conv1",
        "lora_unet_down_blocks_1_resnets_0_time_emb_proj",
        "lora_unet_down_blocks_1_resnets_0_conv_shortcut",
        "lora_unet_down_blocks_2_downsamplers_0_conv",
        "lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_ff_net_0_proj",
        "lora_te_text_model_encoder_layers_11_mlp_fc2",
    ]
    paths = {}
    for module in network.text_encoder_loras + network.unet_loras:
        if module.lora_name in wanted:
            paths[module.lora_name] = module
    generator = torch.Generator().manual_seed(20260101)
    tensors, listing = {}, {}
    for name in wanted:
        module = paths[name]
        down = torch.randn(module.lora_down.weight.shape, generator=generator).half()
        up = torch.randn(module.lora_up.weight.shape, generator=generator).half()
        tensors[f"{name}.lora_down.weight"] = down
        tensors[f"{name}.lora_up.weight"] = up
        tensors[f"{name}.alpha"] = module.alpha.half()
        listing[name] = dict(down=list(down.shape), up=list(up.shape), alpha=float(module.alpha),
                             down_sum=float(down.float().sum()), up_sum=float(up.float().sum()),
                             down_first=float(down.flatten()[0]), up_last=float(up.flatten()[-1]))
    save_safetensors(os.path.join(OUT, "locon_sd15.safetensors"), tensors, {"ss_network_dim": "4"})
    return listing


def portable(config):
    """The config as diffusers saves it, without the absolute folder path peft records, and with its sets (which
    diffusers turns into lists in iteration order) sorted."""
    return {k: sorted(v) if isinstance(v, set) else v for k, v in config.to_dict().items()
            if k != "base_model_name_or_path"}


def peft_file():
    """diffusers' own LoRA file for peft adapters on the tiny SD 1.5 fixture."""
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    unet = UNet2DConditionModel.from_pretrained(os.path.join(TINY_SD15, "unet"))
    text_encoder = CLIPTextModel.from_pretrained(os.path.join(TINY_SD15, "text_encoder"))
    unet_config = LoraConfig(r=4, lora_alpha=8, init_lora_weights=False,
                             target_modules=["to_q", "to_k", "to_v", "to_out.0", "proj_in", "conv1"],
                             rank_pattern={"down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q": 2},
                             alpha_pattern={"down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q": 3})
    text_config = LoraConfig(r=4, lora_alpha=8, init_lora_weights=False, target_modules=["q_proj", "fc1"])
    torch.manual_seed(7)
    unet.add_adapter(unet_config)
    text_encoder.add_adapter(text_config)
    StableDiffusionPipeline.save_lora_weights(
        OUT, unet_lora_layers=get_peft_model_state_dict(unet),
        text_encoder_lora_layers=get_peft_model_state_dict(text_encoder),
        unet_lora_adapter_metadata=portable(unet_config), text_encoder_lora_adapter_metadata=portable(text_config),
        weight_name="peft_sd15_tiny.safetensors")
    path = os.path.join(OUT, "peft_sd15_tiny.safetensors")
    state = safetensors.torch.load_file(path)
    with safetensors.safe_open(path, "pt") as file:
        metadata = file.metadata()
    # The same tensors and metadata strings, rewritten with a sorted header so that the file is reproducible.
    save_safetensors(path, state, metadata)
    listing = {}
    for key in sorted(state):
        if ".lora_A." in key:
            module = key.split(".lora_A.")[0]
            down, up = state[key], state[module + ".lora_B.weight"]
            listing[module] = dict(down=list(down.shape), up=list(up.shape), down_sum=float(down.sum()),
                                   up_sum=float(up.sum()))
    return listing


def main():
    os.environ["TZ"] = "UTC"
    time.tzset()
    sd = import_sd_scripts(sys.argv[1])
    os.makedirs(OUT, exist_ok=True)
    for case in CASES:
        document = metadata_case(sd, case)
        with open(os.path.join(OUT, f"metadata_{case['name']}.json"), "w") as file:
            json.dump(document, file, indent=1, ensure_ascii=False)
            file.write("\n")
    with open(os.path.join(OUT, "hashes.json"), "w") as file:
        json.dump(hashes(sd), file, indent=1)
        file.write("\n")
    listing = locon_file(sd)
    with open(os.path.join(OUT, "locon_sd15.json"), "w") as file:
        json.dump(listing, file, indent=1)
        file.write("\n")
    listing = peft_file()
    with open(os.path.join(OUT, "peft_sd15_tiny.json"), "w") as file:
        json.dump(listing, file, indent=1)
        file.write("\n")


if __name__ == "__main__":
    main()
