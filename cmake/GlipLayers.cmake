# The areas of glip and the arrows between them: an area may include the public headers of the areas it names
# here and, through them, of everything those may include (the arrows are followed transitively). Nothing else.
# docs/architecture.md draws this graph; tests/layout/check_layers.cmake (ctest `layers`) keeps the tree to it.
set(GLIP_LAYERS
  "core:"
  "structures: core"
  "config: core"
  "io: core"
  "formats: core"
  "ops: core"
  "text: structures"
  "modeling: config io ops structures"
  "data: config io formats text"
  "evaluation: formats"
  "engine: config io"
  "inference: data evaluation modeling"
  "pseudo: data ops"
  "synth: config io"
  # app: the training, pre-training and config-docs drivers the tools call; the config docs include the world's
  # options (synth), which is why synth hangs below app and not beside the tools only.
  "app: engine inference pseudo synth")
