import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { outputTopics, resolveCameras } from "../../src/frame/cameras";
import { PARAMETER_DEFINITIONS } from "../../src/ros/parameters";

// dist/test/ros -> the checkout
const ROOT = path.resolve(__dirname, "..", "..", "..");
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");

describe("ROS packaging", () => {
  it("config/visualbackprop.yaml gives every parameter its default, doubles with a decimal point", () => {
    const text = read("config/visualbackprop.yaml");
    const parameters: unknown = parse(text)["/**"].ros__parameters;
    assert.ok(typeof parameters === "object" && parameters !== null);
    const values = new Map(Object.entries(parameters));
    for (const definition of PARAMETER_DEFINITIONS) {
      if (definition.name === "camera_names") {
        // An empty list cannot be typed from YAML by rcl; it is shown commented out.
        assert.match(text, /# camera_names: /);
        continue;
      }
      assert.deepEqual(values.get(definition.name), definition.defaultValue, definition.name);
      if (definition.kind === "double")
        assert.match(text, new RegExp(`\\n\\s+${definition.name}: -?\\d+\\.\\d+`), definition.name);
    }
    assert.equal(values.size, PARAMETER_DEFINITIONS.length - 1, "no unknown parameters");
  });

  it("package.xml is format 3, ament_cmake, a rosidl interface package with the runtime dependencies", () => {
    const xml = read("package.xml");
    assert.match(xml, /<package format="3">/);
    assert.match(xml, /<build_type>ament_cmake<\/build_type>/);
    assert.match(xml, /<member_of_group>rosidl_interface_packages<\/member_of_group>/);
    for (const dependency of [
      "rosidl_default_generators",
      "rosidl_default_runtime",
      "std_msgs",
      "sensor_msgs",
      "diagnostic_msgs",
      "builtin_interfaces",
      "nodejs",
    ]) {
      assert.match(xml, new RegExp(`>${dependency}<`), dependency);
    }
  });

  it("CMakeLists.txt generates every message and installs the executables and the share files", () => {
    const cmake = read("CMakeLists.txt");
    for (const message of fs.readdirSync(path.join(ROOT, "msg")))
      assert.ok(cmake.includes(`"msg/${message}"`), message);
    assert.match(
      cmake,
      /install\(PROGRAMS\s+bin\/visualbackprop_node\s+bin\/synthetic_camera\s+bin\/visualbackprop_rviz\s+DESTINATION lib\/\$\{PROJECT_NAME\}/,
    );
    assert.match(cmake, /install\(DIRECTORY config launch models DESTINATION share/);
    for (const executable of ["bin/visualbackprop_node", "bin/synthetic_camera", "bin/visualbackprop_rviz"]) {
      assert.ok((fs.statSync(path.join(ROOT, executable)).mode & 0o111) !== 0, `${executable} is executable`);
    }
  });

  it("the executables that carry camera images start node with the allocator settings for them", () => {
    // Run each executable's own first line on a script that prints what the process was given.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vbp-shebang-"));
    try {
      for (const name of ["visualbackprop_node", "synthetic_camera"]) {
        const shebang = fs.readFileSync(path.join(ROOT, "bin", name), "utf8").split("\n")[0];
        const script = path.join(dir, name);
        fs.writeFileSync(
          script,
          `${shebang}\nconsole.log(process.env.MALLOC_MMAP_THRESHOLD_, process.env.MALLOC_TRIM_THRESHOLD_);\n`,
          { mode: 0o755 },
        );
        assert.equal(execFileSync(script, { encoding: "utf8" }).trim(), "4194304 33554432", name);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the launch files take the documented arguments", () => {
    for (const file of ["launch/visualbackprop.launch.py", "launch/visualbackprop.launch.xml"]) {
      const text = read(file);
      for (const argument of [
        "camera_topic",
        "image_topics",
        "model",
        "params_file",
        "namespace",
        "use_sim_time",
        "rviz",
      ]) {
        assert.match(text, new RegExp(`['"]${argument}['"]`), `${file}: ${argument}`);
      }
    }
    const demo = read("launch/synthetic_demo.launch.py");
    assert.match(demo, /executable='synthetic_camera'/);
    assert.match(demo, /visualbackprop\.launch\.py/);
  });

  it("the RViz layout shows the default camera's topics", () => {
    const rviz = read("config/visualbackprop.rviz");
    const topics = outputTopics(resolveCameras(["/camera/image_raw"], [])[0]);
    for (const topic of ["/camera/image_raw", topics.mask, topics.overlay]) {
      assert.ok(rviz.includes(`Value: ${topic.replace("~", "/visualbackprop")}`), topic);
    }
  });
});
