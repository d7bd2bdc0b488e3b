"""Writes the seed corpus of the fuzz targets (corpus/TARGET/*): small valid inputs of each format, so that the
fuzzers start from the structure a real file has. Deterministic; run from this folder: python3 make_seeds.py.
Needs no third-party module. The three JPEGs next to this script (seed*.jpg, 16x12, colour, grey, progressive)
were written once with OpenCV's imwrite; Flickr30K files are copied from tests/data/eval/flickr."""
import collections, io, json, os, pickle, shutil, struct, sys, tarfile, zipfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def jpeg(name="seed.jpg"):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read()


def png(w, h, channels):
    color = {1: 0, 3: 2, 4: 6}[channels]
    rows = b"".join(b"\0" + bytes((x * 13 + y * 7 + c * 50) % 256 for x in range(w) for c in range(channels))
                    for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


# --- JSON annotation readers --------------------------------------------------------------------------------
coco = {"images": [{"id": 1, "file_name": "a.jpg", "height": 10, "width": 12},
                   {"id": 2, "file_name": "b.jpg", "height": 20, "width": 8}],
        "annotations": [{"id": 1, "image_id": 1, "bbox": [1, 1, 4, 5], "category_id": 3, "iscrowd": 0, "area": 20},
                        {"id": 2, "image_id": 2, "bbox": [0, 2, 3, 3], "category_id": 5, "iscrowd": 1, "area": 9}],
        "categories": [{"id": 3, "name": "cat", "supercategory": "animal"}, {"id": 5, "name": "traffic light"}]}
put("coco", "coco.json", json.dumps(coco))
lvis = {"images": [{"id": 1, "coco_url": "http://images.cocodataset.org/val2017/000000000001.jpg", "height": 10,
                    "width": 12, "neg_category_ids": [2], "not_exhaustive_category_ids": []}],
        "annotations": [{"id": 1, "image_id": 1, "bbox": [1, 1, 4, 5], "category_id": 1, "area": 20}],
        "categories": [{"id": 1, "name": "aerosol_can", "synonyms": ["spray_can"], "frequency": "c"},
                       {"id": 2, "name": "apple", "frequency": "f"}]}
put("coco", "lvis.json", json.dumps(lvis, indent=1))
mdetr = {"images": [{"id": 1, "file_name": "a.jpg", "height": 10, "width": 10, "caption": "a red ball on grass",
                     "tokens_negative": [[0, 1]], "dataset_name": "flickr"}],
         "annotations": [{"id": 1, "image_id": 1, "bbox": [1, 1, 4, 4], "category_id": 1, "iscrowd": 0,
                          "tokens_positive": [[6, 10]]},
                         {"id": 2, "image_id": 1, "bbox": [0, 5, 9, 4], "category_id": 1, "iscrowd": 0,
                          "tokens_positive": [[14, 19]]}],
         "categories": [{"id": 1, "name": "object"}]}
put("mdetr", "mdetr.json", json.dumps(mdetr))
put("jsonl", "odvg.jsonl",
    json.dumps({"filename": "a.jpg", "height": 10, "width": 10, "grounding": {"caption": "a red ball", "regions": [
        {"bbox": [1, 1, 5, 5], "phrase": "ball", "tokens_positive": [[6, 10]]}]}}) + "\n" +
    json.dumps({"filename": "b.jpg", "height": 10, "width": 10, "detection": {"instances": [
        {"bbox": [1, 1, 5, 5], "label": 3, "category": "cat"}]}}) + "\n")
put("jsonl", "pseudo.jsonl",
    json.dumps({"image_id": 1, "key": "k", "image": {"tar": "s.tar", "member": "k.jpg"}, "width": 10, "height": 10,
                "caption": "a red ball", "phrases": [{"span": [6, 10], "text": "ball", "boxes": [[1, 1, 5, 5]],
                                                      "scores": [0.9]}]}) + "\n")

# --- pickle, .pth, safetensors ------------------------------------------------------------------------------
sys.path.insert(0, os.path.join(ROOT, "tests", "data", "torch_pickle"))
from fake_torch import FloatStorage, LongStorage, Storage, Tensor  # noqa: E402

s0 = Storage("0", FloatStorage, "<f", [0, 1, 2, 3, 4, 5])
s1 = Storage("1", LongStorage, "<q", [7, 8, 9])
state = collections.OrderedDict()
state["a.weight"] = Tensor(s0, 0, (2, 3), (3, 1))
state["a.t"] = Tensor(s0, 1, (2, 2), (1, 3))
state["b.ids"] = Tensor(s1, 0, (3,), (1,))
checkpoint = {"model": state, "iteration": 10, "optimizer": [1.5, "adamw", (None, True)]}


class P(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.cls, obj.key, "cpu", len(obj.values))
        return None


def dumps(obj, protocol=2):
    b = io.BytesIO()
    P(b, protocol=protocol).dump(obj)
    return b.getvalue()


buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    for name, data in (("data.pkl", dumps(checkpoint)), ("byteorder", "little"), ("data/0", s0.raw()),
                       ("data/1", s1.raw()), ("version", "3\n")):
        z.writestr(zipfile.ZipInfo("archive/" + name, date_time=(2020, 1, 1, 0, 0, 0)), data)
put("pth", "zip_format.pth", buf.getvalue())
shutil.copy(os.path.join(ROOT, "tests", "data", "torch_pickle", "legacy_format.bin"),
            os.path.join(HERE, "corpus", "pth", "legacy_format.pth"))
put("pickle", "checkpoint_p2.pkl", dumps(checkpoint, 2))
put("pickle", "plain_p4.pkl", pickle.dumps({"a": [1, 2.5, "x", b"y", (1, 2)], "b": {"c": None, "d": True},
                                            "e": -(2 ** 70), "f": [[[]]] * 3}, protocol=4))
put("pickle", "plain_p2.pkl", pickle.dumps(collections.OrderedDict(k=[1, -1, 2 ** 40, 3.25, "\u00e9", u"z"]),
                                           protocol=2))


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


put("safetensors", "small.safetensors", safetensors(
    [("a.weight", "F32", [2, 3], struct.pack("<6f", *range(6))), ("b.ids", "I64", [3], struct.pack("<3q", 7, 8, 9)),
     ("c.half", "F16", [2], struct.pack("<2e", 0.5, -2.0)), ("d.empty", "F32", [0, 4], b"")],
    {"format": "pt", "iteration": "10"}))
put("safetensors", "bf16_bool.safetensors", safetensors(
    [("x", "BF16", [2, 1], b"\x80\x3f\x00\x40"), ("m", "BOOL", [3], b"\x01\x00\x01"), ("s", "F64", [], b"\0" * 8)]))

# --- tar (WebDataset shards) ----------------------------------------------------------------------------------
def tar(members, fmt):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            t.addfile(info, io.BytesIO(data))
    return b.getvalue()


shard = [("s/000001.jpg", jpeg()), ("s/000001.txt", b"a red ball on the grass\n"),
         ("s/000002.JPG", jpeg("seed_gray.jpg")), ("s/000002.json", b'{"caption": "two dogs", "id": 2}'),
         ("s/000003.txt", b"a caption without an image")]
put("tar", "ustar.tar", tar(shard, tarfile.USTAR_FORMAT))
put("tar", "pax_long_names.tar", tar([("d/" + "x" * 120 + ".png", png(4, 3, 3)), ("d/" + "x" * 120 + ".txt", b"cat")],
                                     tarfile.PAX_FORMAT))
put("tar", "gnu.tar", tar([("k.jpeg", jpeg("seed_prog.jpg")), ("k.txt", b"caf\xc3\xa9 au lait\r\n")],
                          tarfile.GNU_FORMAT))

# --- Flickr30K Entities, YAML configs, images, captions -------------------------------------------------------
flickr = os.path.join(ROOT, "tests", "data", "eval", "flickr", "merged")
os.makedirs(os.path.join(HERE, "corpus", "flickr_xml"), exist_ok=True)
for sub, name in (("Annotations", "100000.xml"), ("Annotations", "100037.xml"), ("Sentences", "100000.txt")):
    shutil.copy(os.path.join(flickr, sub, name), os.path.join(HERE, "corpus", "flickr_xml", name))

put("yaml_config", "train.yaml", """# a small training config
model:
  backbone: swin_t
  max_query_len: 256
solver:
  base_lr: 0.0001
  max_iter: 10
  ims_per_batch: 2
  steps: [5, 8]
data:
  train:
    - name: odvg
      format: odvg
      path: "train.jsonl"
      image_root: 'images'
      weight: 2
  min_size_train: [480, 800]
test:
  ims_per_batch: 1
""")
put("yaml_config", "flow.yaml", "runtime: {seed: 3, num_threads: 2}\nsolver: {base_lr: 1.0e-3, "
                                "clip_gradients: {enabled: true, clip_value: 1.0}}\neval: {datasets: []}\n")
put("image", "seed.jpg", jpeg())
put("image", "seed_gray.jpg", jpeg("seed_gray.jpg"))
put("image", "seed_prog.jpg", jpeg("seed_prog.jpg"))
put("image", "rgb.png", png(5, 4, 3))
put("image", "gray.png", png(3, 7, 1))
put("image", "rgba.png", png(2, 2, 4))
put("tokenizer", "ascii.txt", "A man in a red shirt is throwing a frisbee to his dog, at 5:30pm!")
put("tokenizer", "unicode.txt", "Caf\u00e9 na\u00efve \u00c5ngstr\u00f6m \u4e2d\u6587 \U0001F600 \u0130stanbul "
                                "\u00df \ufb01 zero\u200bwidth tab\tnew\nline")
put("tokenizer", "long_word.txt", "super" * 40 + " [CLS] [SEP] [MASK] ##ing")
