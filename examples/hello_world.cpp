// LightStep Benchmarks' hello_world.py with the spanbench library: calibrate a client
// at 70% CPU, run it traced at 100 spans/s for 10 s, print the result.
//
//   hello_world [CLIENT] [RUNTIME_SECONDS] [CONTROL_PORT]
#include <spanbench/spanbench.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  std::string client = argc > 1 ? argv[1] : "cpp-mock";
  double runtime = argc > 2 ? std::stod(argv[2]) : 10.0;
  try {
    spanbench::ControllerOptions options;
#ifdef SPANBENCH_SOURCE_DIR
    // Built in spanbench's own tree: the checkout's registry.
    options.clients_file = SPANBENCH_SOURCE_DIR "/clients.toml";
#endif
    // Otherwise left empty, the registry is found as spanbench finds it:
    // $SPANBENCH_CLIENTS, ./clients.toml, then the installed one.
    if (argc > 3) options.control_port = static_cast<uint16_t>(std::stoi(argv[3]));
    spanbench::Controller controller(options);

    spanbench::CalibrationOptions calibration_options;
    calibration_options.target_cpu = 0.7;
    spanbench::Calibration calibration = controller.calibrate(client, calibration_options);
    std::cout << spanbench::format_calibration(calibration);

    spanbench::RunOptions run;
    run.client = client;
    run.trace = true;
    run.spans_per_second = 100;
    run.runtime_seconds = runtime;
    spanbench::Result result = controller.run(run, calibration);
    std::cout << spanbench::format_result(result);
  } catch (const spanbench::Error& e) {
    std::cerr << "hello_world: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
