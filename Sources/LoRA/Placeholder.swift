// Adapters and LoRA file formats land here (issue 3).
