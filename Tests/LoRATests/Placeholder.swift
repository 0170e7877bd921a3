// LoRA tests land here (issue 3).
