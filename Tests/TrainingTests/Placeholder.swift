// Training tests land here (issue 3).
