#!/usr/bin/env python3
"""Goldens for lorad's sample-prompt parser, produced by sd-scripts' own code.

Usage: tools/make_kohya_prompt_goldens.py SD_SCRIPTS_CHECKOUT > Tests/Fixtures/kohya/sample_prompts.json

`line_to_prompt_dict` and `load_prompts` are taken verbatim from the checkout's library/train_util.py (parsed out with
ast and run without importing the rest of sd-scripts, which needs a GPU stack) and applied to tricky prompt lines and
to .txt/.toml/.json prompt files. `resolved` applies sample_image_inference's defaults and size rounding (the
expressions are quoted from that function) so the Swift test can compare whole SamplePrompt values.
"""
import ast
import json
import os
import re
import sys
import tempfile
import types
from typing import Dict, List

import toml


def load_kohya_functions(checkout):
    path = os.path.join(checkout, "library", "train_util.py")
    source = open(path, encoding="utf-8").read()
    tree = ast.parse(source)
    wanted = {"line_to_prompt_dict", "load_prompts"}
    nodes = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in wanted]
    assert {node.name for node in nodes} == wanted, "functions not found in " + path
    logged = []

    class Logger:
        def error(self, message):
            logged.append(str(message))

    namespace = {"re": re, "json": json, "toml": toml, "List": List, "Dict": Dict, "logger": Logger()}
    exec(compile(ast.Module(body=nodes, type_ignores=[]), path, "exec"), namespace)
    # load_prompts imports line_to_prompt_dict from library.train_util at call time.
    library = types.ModuleType("library")
    train_util = types.ModuleType("library.train_util")
    train_util.line_to_prompt_dict = namespace["line_to_prompt_dict"]
    library.train_util = train_util
    sys.modules["library"] = library
    sys.modules["library.train_util"] = train_util
    return namespace["line_to_prompt_dict"], namespace["load_prompts"], logged


def resolved(prompt_dict):
    # sample_image_inference (library/train_util.py):
    #   sample_steps = prompt_dict.get("sample_steps", 30); width = prompt_dict.get("width", 512)
    #   height = prompt_dict.get("height", 512); scale = prompt_dict.get("scale", 7.5)
    #   height = max(64, height - height % 8); width = max(64, width - width % 8)
    width = prompt_dict.get("width", 512)
    height = prompt_dict.get("height", 512)
    return {
        "prompt": prompt_dict.get("prompt", ""),
        "negative_prompt": prompt_dict.get("negative_prompt") or "",
        "width": max(64, width - width % 8),
        "height": max(64, height - height % 8),
        "sample_steps": prompt_dict.get("sample_steps", 30),
        "scale": float(prompt_dict.get("scale", 7.5)),
        "seed": prompt_dict.get("seed"),
        "sample_sampler": prompt_dict.get("sample_sampler"),
    }


LINES = [
    "a castle on a hill --n lowres, bad anatomy, blurry --w 768 --h 512 --d 42 --s 28 --l 7.5",
    "portrait of a woman --d 7 --l 5 --s 20 --h 640 --w 384 --n ugly, deformed",
    "castle --n  text, watermark,  ",
    "a dog sitting --w 512",
    "a fox --W 640 --H 320 --N Blurry --SS euler_a",
    "a cat --w 515px --s 5000",
    "a cat --s 0",
    "a bird --w 512 --w 640",
    "w 320 tall tower --h 704",
    "a lake --ss dpmsolver++ --l 9",
    "a cat--n not split",
    "--n only a negative",
    "a cat --l 7.",
    "a cat --g 3.5 --fs 3",
    "日本の城 --n ぼやけ --d 123",
    "a cat --d 18446744073709551615",
    "a cat --w 8 --h 70",
    "  leading spaces kept --n trailing spaces kept  ",
]

# sd-scripts skips or logs these; lorad rejects them.
REJECTED_LINES = [
    "a cat --width 512",
    "a cat --w abc",
    "a cat --l 1.2.3",
    "a cat --n\tblurry",
    "a cat --w  512",
    "a cat --",
    "a cat --ss",
]

FILES = {
    "prompts.txt": "# a comment\r\n\r\na red car --w 640 --h 384 --d 1  \r\n   \r\n  # indented: a prompt in sd-scripts\n"
    "\ta blue boat --n rain, fog --s 12\n#--w 10 commented\nlast line without newline --l 4.5",
    "prompts.toml": '[prompt]\nnegative_prompt = "lowres"\nwidth = 768\nheight = 512\nsample_steps = 25\nscale = 6.0\n\n'
    '[[prompt.subset]]\nprompt = "a knight"\nseed = 11\n\n[[prompt.subset]]\nprompt = "a dragon"\n'
    'sample_sampler = "euler_a"\n',
    "prompts.json": json.dumps(
        [
            "a tree --n dead leaves --w 576",
            {"prompt": "a house", "width": 600, "height": 400, "seed": 5, "scale": 8, "sample_steps": 15},
            {"prompt": "a road", "negative_prompt": "cars", "sample_sampler": "k_euler"},
        ]
    ),
}


def main():
    line_to_prompt_dict, load_prompts, logged = load_kohya_functions(sys.argv[1])
    lines = [{"line": line, "dict": line_to_prompt_dict(line)} for line in LINES]
    assert not logged, logged
    for entry in lines:
        entry["resolved"] = resolved(entry["dict"])
    rejected = [{"line": line, "kohya_dict": line_to_prompt_dict(line)} for line in REJECTED_LINES]
    files = []
    with tempfile.TemporaryDirectory() as folder:
        for name, content in FILES.items():
            path = os.path.join(folder, name)
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)
            prompts = load_prompts(path)
            files.append({"name": name, "content": content, "prompts": prompts, "resolved": [resolved(p) for p in prompts]})
    json.dump({"lines": lines, "rejected_lines": rejected, "files": files}, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
